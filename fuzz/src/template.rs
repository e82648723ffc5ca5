//! `template`: the emails InviteKit writes (docs/rules.md#templates).
//! Host templates (built from a grammar of template constructs, or any text)
//! and hostile user input (names, messages, titles with HTML, script, CRLF,
//! template syntax) are rendered directly with [`render`] and through the kit
//! (`set_email_template`, `draft_invitation`, `invite_to_thread`, the outbox).
//!
//! Nothing may panic. An error is `invalid_input` and never shows the token.
//! The subject is one line without any control character. No user-supplied `<`
//! reaches the HTML part unescaped: the same input is rendered a second time
//! with every `<` in the user's values replaced by `~`, and the HTML part must
//! have the same number of `<` both times (checked for
//! the built-in templates and for grammar templates, whose output cannot
//! depend on where a `<` is; a host template written with `|safe` or
//! `{% autoescape false %}` opts out of escaping on purpose and is not checked).

use arbitrary::{Arbitrary, Unstructured};
use invitekit::templates::{EmailContext, render, validate_template};
use invitekit::{EmailKind, Grant, InviteKit, InviteOptions, ManualClock, TemplateSource};

use crate::check_error;

/// Stands in for `<` in the second rendering: as long as `<` (fuel is counted
/// by the byte too), and nothing a template, a filter or the escaper treats specially.
const STAND_IN: char = '~';
const LINK: &str = "https://acme.example.com/portal/join/ikinv_Z7Rq81zUPnO1bR9GVY_feul8-kCSDgvI7FnovqG654c";
const SECRET: &str = "Z7Rq81zUPnO1bR9GVY_feul8-kCSDgvI7FnovqG654c";

/// One input.
#[derive(Arbitrary, Debug)]
pub struct Input {
    thread_kind: bool,
    through_kit: bool,
    values: Values,
    template: Option<HostTemplate>,
}

/// What the user controls.
#[derive(Arbitrary, Debug, Clone)]
pub struct Values {
    to: Hostile,
    inviter_name: Hostile,
    organization_name: Hostile,
    team_name: Option<Hostile>,
    message: Option<Hostile>,
    thread_title: Option<Hostile>,
    freelancer_name: Option<Hostile>,
}

const PIECES: [&str; 32] = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "\r\nBcc: victim@example.com\r\n",
    "\r",
    "\n",
    "\r\n",
    "\t",
    "\0",
    "\u{85}",
    "\u{2028}",
    "\u{2029}",
    "\u{202e}",
    "{{ link }}",
    "{% raw %}",
    "{% endraw %}",
    "{# x #}",
    "\"'&<>",
    "&lt;",
    "<",
    ">",
    "<!--",
    "]]>",
    "José Pérez",
    "Ａcme",
    "Bob Jones",
    "Acme Corp",
    "  ",
    "javascript:alert(1)",
    "%3Cscript%3E",
    "<br>",
    "</blockquote><a href=\"https://evil.example\">",
    "Subject: pwned",
];

/// A user-supplied value: pieces from a list of nasty strings, or anything.
#[derive(Arbitrary, Debug, Clone)]
pub enum Hostile {
    /// Concatenated pieces (index modulo the list), each repeated `n % 4 + 1` times.
    Pieces(Vec<(u8, u8)>),
    /// Any text.
    Raw(String),
    /// One piece over and over, up to a length (long input).
    Long(u8, u16),
}

impl Hostile {
    fn text(&self) -> String {
        match self {
            Hostile::Pieces(ps) => ps
                .iter()
                .take(16)
                .map(|&(i, n)| PIECES[usize::from(i) % PIECES.len()].repeat(usize::from(n % 4) + 1))
                .collect(),
            Hostile::Raw(s) => s.clone(),
            // Up to 1,500 characters: past the limits on a name and on a message by default.
            Hostile::Long(i, n) => {
                let n = usize::from(*n % 1500);
                PIECES[usize::from(*i) % PIECES.len()].chars().cycle().take(n).collect()
            }
        }
    }
}

const VARIABLES: [&str; 10] = [
    "to",
    "inviter_name",
    "organization_name",
    "team_name",
    "message",
    "link",
    "expires_at",
    "thread_title",
    "freelancer_name",
    "no_such_variable",
];

/// Filters whose output does not depend on where a `<` is (see the module docs).
const FILTERS: [&str; 16] = [
    "upper",
    "lower",
    "title",
    "capitalize",
    "trim",
    "nl2br",
    "escape",
    "e",
    "length",
    "urlencode",
    "tojson",
    "default('-')",
    "replace('a', 'b')",
    "reverse",
    "first",
    "no_such_filter",
];

const LITERALS: [&str; 16] = [
    "Hello ",
    "<p>",
    "</p>",
    "<b>",
    "</b>",
    "<a href=\"",
    "\">",
    "</a>",
    "\n",
    "\r\n",
    " invited you ",
    "&amp;",
    "{{",
    "}}",
    "{%",
    "<br>",
];

/// One construct of a host template.
#[derive(Arbitrary, Debug, Clone)]
pub enum Frag {
    /// Literal text or markup from a list.
    Lit(u8),
    /// `{{ var }}` or `{{ var|filter }}`.
    Var(u8, Option<u8>),
    /// `{% if var %}...{% else %}...{% endif %}`.
    If(u8, Vec<Frag>, Vec<Frag>),
    /// `{% for line in var|lines %}...{{ line }}...{% endfor %}`.
    Lines(u8, Vec<Frag>),
    /// `{% for i in range(n) %}...{% endfor %}`: fuel.
    Repeat(u16, Vec<Frag>),
    /// `{% include var %}`: always an error, which may quote the value.
    Include(u8),
    /// `{% set x = var ~ var %}{{ x }}`.
    Concat(u8, u8),
    /// `{{ var|safe }}`: opts out of escaping.
    Safe(u8),
    /// Any text.
    Raw(String),
}

/// A host's three templates.
#[derive(Arbitrary, Debug, Clone)]
pub struct HostTemplate {
    subject: Vec<Frag>,
    text: Vec<Frag>,
    html: Vec<Frag>,
}

/// Whether a template's output can depend on where a `<` is, or skips escaping.
struct Source {
    text: String,
    unconstrained: bool,
}

fn var(i: u8) -> &'static str {
    VARIABLES[usize::from(i) % VARIABLES.len()]
}

fn write_frags(frags: &[Frag], depth: usize, out: &mut Source) {
    for f in frags.iter().take(24) {
        match f {
            Frag::Lit(i) => out.text.push_str(LITERALS[usize::from(*i) % LITERALS.len()]),
            Frag::Var(v, None) => out.text.push_str(&format!("{{{{ {} }}}}", var(*v))),
            Frag::Var(v, Some(fl)) => {
                out.text.push_str(&format!("{{{{ {}|{} }}}}", var(*v), FILTERS[usize::from(*fl) % FILTERS.len()]))
            }
            Frag::If(v, yes, no) if depth < 4 => {
                out.text.push_str(&format!("{{% if {} %}}", var(*v)));
                write_frags(yes, depth + 1, out);
                out.text.push_str("{% else %}");
                write_frags(no, depth + 1, out);
                out.text.push_str("{% endif %}");
            }
            Frag::Lines(v, body) if depth < 4 => {
                out.text.push_str(&format!("{{% for line in {}|lines %}}{{{{ line }}}}", var(*v)));
                write_frags(body, depth + 1, out);
                out.text.push_str("{% endfor %}");
            }
            Frag::Repeat(n, body) if depth < 4 => {
                out.text.push_str(&format!("{{% for i in range({}) %}}", n % 20_000));
                write_frags(body, depth + 1, out);
                out.text.push_str("{% endfor %}");
            }
            Frag::Include(v) => out.text.push_str(&format!("{{% include {} %}}", var(*v))),
            Frag::Concat(a, b) => {
                out.text.push_str(&format!("{{% set joined = {} ~ {} %}}{{{{ joined }}}}", var(*a), var(*b)))
            }
            Frag::Safe(v) => {
                out.text.push_str(&format!("{{{{ {}|safe }}}}", var(*v)));
                out.unconstrained = true;
            }
            Frag::Raw(s) => {
                out.text.push_str(s);
                out.unconstrained = true;
            }
            Frag::If(..) | Frag::Lines(..) | Frag::Repeat(..) => {}
        }
    }
}

impl HostTemplate {
    fn source(&self) -> (TemplateSource, bool) {
        let part = |frags: &[Frag]| {
            let mut s = Source { text: String::new(), unconstrained: false };
            write_frags(frags, 0, &mut s);
            s
        };
        let (subject, text, html) = (part(&self.subject), part(&self.text), part(&self.html));
        let unconstrained = subject.unconstrained || text.unconstrained || html.unconstrained;
        (TemplateSource { subject: subject.text, text: text.text, html: html.text }, unconstrained)
    }
}

/// Runs one input.
pub fn run(data: &[u8]) {
    let Ok(input) = Input::arbitrary_take_rest(Unstructured::new(data)) else { return };
    let kind = if input.thread_kind { EmailKind::ThreadInvitation } else { EmailKind::Invitation };
    let (template, unconstrained) = match &input.template {
        Some(t) => {
            let (src, unconstrained) = t.source();
            (Some(src), unconstrained)
        }
        None => (None, false),
    };
    let hostile = Rendered::with(|v| v.to_owned(), &input, kind, template.as_ref());
    let tamed = Rendered::with(|v| v.replace('<', &STAND_IN.to_string()), &input, kind, template.as_ref());
    if unconstrained {
        return;
    }
    // The same input either way, but for where a `<` was: the same outcome and
    // the same markup.
    assert_eq!(hostile.outcomes.len(), tamed.outcomes.len());
    for (h, t) in hostile.outcomes.iter().zip(&tamed.outcomes) {
        match (h, t) {
            (Ok(h), Ok(t)) => {
                let count = |s: &str| s.matches('<').count();
                assert_eq!(
                    count(&h.html),
                    count(&t.html),
                    "a user-supplied `<` reaches the HTML part unescaped:\n{}",
                    h.html
                );
            }
            (Err(_), Err(_)) => {}
            // Fuel is spent by the byte as well as by the instruction, so a
            // template near its limit may run out on one side only.
            (Err(e), _) | (_, Err(e)) if e.contains("out of fuel") => {}
            (h, t) => panic!("replacing `<` changed the outcome: {:?} vs {:?}", h.as_ref().err(), t.as_ref().err()),
        }
    }
}

/// The emails one input gave (or the error where it was refused), directly and through the kit.
struct Rendered {
    outcomes: Vec<Outcome>,
}

type Outcome = Result<invitekit::Email, String>;

impl Rendered {
    fn with(
        tame: impl Fn(&str) -> String,
        input: &Input,
        kind: EmailKind,
        template: Option<&TemplateSource>,
    ) -> Rendered {
        let v = &input.values;
        let opt = |h: &Option<Hostile>| h.as_ref().map(|h| tame(&h.text()));
        let ctx = EmailContext {
            to: tame(&v.to.text()),
            inviter_name: tame(&v.inviter_name.text()),
            organization_name: tame(&v.organization_name.text()),
            team_names: opt(&v.team_name).into_iter().collect(),
            metadata: invitekit::JsonObject::new(),
            message: opt(&v.message),
            link: LINK.to_owned(),
            expires_at: "January 8, 2026 at 00:00 UTC".to_owned(),
            thread_title: opt(&v.thread_title),
            freelancer_name: opt(&v.freelancer_name),
            // The approvals' and requests' fields: no invitation email shows them.
            ..EmailContext::default()
        };
        let mut outcomes = Vec::new();
        if let Some(t) = template
            && let Err(e) = validate_template(kind, t)
        {
            check_template_error(&e, SECRET);
        }
        outcomes.push(check_render(render(kind, template, &ctx), &ctx.to, SECRET));
        if input.through_kit {
            outcomes.extend(through_kit(&ctx, kind, template));
        }
        Rendered { outcomes }
    }
}

fn check_template_error(e: &invitekit::Error, secret: &str) {
    check_error(e);
    assert_eq!(e.code(), "invalid_input", "{e}");
    assert!(!e.to_string().contains(secret), "the error shows the token: {e}");
}

/// Checks a rendered email, or the error.
fn check_render(r: invitekit::Result<invitekit::Email>, to: &str, secret: &str) -> Outcome {
    match r {
        Ok(email) => {
            check_email(&email);
            assert_eq!(email.to, to);
            Ok(email)
        }
        Err(e) => {
            check_template_error(&e, secret);
            Err(e.to_string())
        }
    }
}

fn check_email(email: &invitekit::Email) {
    let s = &email.subject;
    assert!(!s.is_empty() && s.chars().count() <= 200, "subject {s:?}");
    assert!(
        !s.chars().any(|c| c.is_control() || c == '\u{2028}' || c == '\u{2029}'),
        "the subject is not one line: {s:?}"
    );
    assert_eq!(s.trim(), s, "subject {s:?}");
    assert!(!email.to.chars().any(char::is_control), "recipient {:?}", email.to);
}

/// The same values through the kit: an organization, an inviter, a team, the
/// host's template, a draft (and its preview), or a conversation invitation
/// read back from the outbox. A value the kit refuses (a name with a control
/// character, say) is replaced by a plain one: the point is what reaches the email.
fn through_kit(ctx: &EmailContext, kind: EmailKind, template: Option<&TemplateSource>) -> Vec<Outcome> {
    let kit = InviteKit::builder().clock(ManualClock::new()).in_memory();
    let org = kit
        .create_organization(&ctx.organization_name, "acme", "https://acme.example.com/portal", &["acme.com"])
        .or_else(|e| {
            check_error(&e);
            kit.create_organization("Acme Corp", "acme", "https://acme.example.com/portal", &["acme.com"])
        })
        .expect("a plain organization");
    let alice = kit
        .add_member(org.id, "alice@acme.com", &ctx.inviter_name, "full")
        .or_else(|e| {
            check_error(&e);
            kit.add_member(org.id, "alice@acme.com", "Alice Smith", "full")
        })
        .expect("a plain member");
    if let Some(t) = template
        && let Err(e) = kit.set_email_template(org.id, kind, t)
    {
        check_template_error(&e, SECRET);
    }
    let mut outcomes = Vec::new();
    match kind {
        EmailKind::Invitation => {
            let mut opts = InviteOptions::new();
            if let Some(name) = ctx.team_names.first() {
                match kit.create_team(org.id, name) {
                    Ok(team) => opts = opts.team(team.id),
                    Err(e) => check_error(&e),
                }
            }
            if let Some(m) = &ctx.message {
                opts = opts.message(m.clone());
            }
            match kit.draft_invitation(alice.id, "bob@acme.com", opts) {
                Ok(draft) => {
                    let preview = draft.preview();
                    check_email(&preview);
                    let secret = draft.link().rsplit('/').next().unwrap_or_default().to_owned();
                    match kit.send_invitation(&draft, true) {
                        Ok(_) => {
                            let queued = kit.outbox_pending(10).expect("the outbox");
                            assert_eq!(queued.len(), 1);
                            let out = &queued[0];
                            // The preview is exactly the email queued.
                            assert_eq!(
                                (&out.to, &out.subject, &out.text, &out.html),
                                (&preview.to, &preview.subject, &preview.text, &preview.html)
                            );
                        }
                        Err(e) => check_template_error(&e, &secret),
                    }
                    outcomes.push(Ok(preview));
                }
                Err(e) => {
                    check_error(&e);
                    outcomes.push(Err(e.to_string()));
                }
            }
        }
        EmailKind::ThreadInvitation => {
            let title = ctx.thread_title.clone().unwrap_or_else(|| "Logo redesign".to_owned());
            let freelancer = ctx.freelancer_name.clone().unwrap_or_else(|| "José Pérez".to_owned());
            let thread = kit.start_thread(alice.id, "fl-42", &freelancer, &title).or_else(|e| {
                check_error(&e);
                kit.start_thread(alice.id, "fl-42", "José Pérez", "Logo redesign")
            });
            let thread = thread.expect("a plain thread");
            let r = kit.invite_to_thread(
                alice.id,
                thread.id,
                "bob@acme.com",
                &Grant::preset("viewer"),
                ctx.message.as_ref().map_or_else(InviteOptions::new, |m| InviteOptions::new().message(m.clone())),
            );
            match r {
                Ok(_) => {
                    let queued = kit.outbox_pending(10).expect("the outbox");
                    assert_eq!(queued.len(), 1);
                    let out = &queued[0];
                    let email = invitekit::Email {
                        to: out.to.clone(),
                        subject: out.subject.clone(),
                        text: out.text.clone(),
                        html: out.html.clone(),
                    };
                    check_email(&email);
                    outcomes.push(Ok(email));
                }
                Err(e) => {
                    check_error(&e);
                    outcomes.push(Err(e.to_string()));
                }
            }
        }
        // This target renders only the invitee's emails (`Input::thread_kind`).
        _ => {}
    }
    outcomes
}

/// What an input stands for, readably (the template source and the values), for triage.
pub fn describe(data: &[u8]) -> String {
    let Ok(input) = Input::arbitrary_take_rest(Unstructured::new(data)) else { return "(does not decode)".into() };
    let v = &input.values;
    let opt = |h: &Option<Hostile>| h.as_ref().map(Hostile::text);
    let source = input.template.as_ref().map(HostTemplate::source);
    format!(
        "thread_kind: {}\nthrough_kit: {}\nto: {:?}\ninviter_name: {:?}\norganization_name: {:?}\nteam_name: {:?}\n\
         message: {:?}\nthread_title: {:?}\nfreelancer_name: {:?}\ntemplate (unconstrained: {:?}):\n{:#?}",
        input.thread_kind,
        input.through_kit,
        v.to.text(),
        v.inviter_name.text(),
        v.organization_name.text(),
        opt(&v.team_name),
        opt(&v.message),
        opt(&v.thread_title),
        opt(&v.freelancer_name),
        source.as_ref().map(|s| s.1),
        source.map(|s| s.0),
    )
}
