//! The content of the emails InviteKit writes to its outbox ([email
//! templates](crate::rules#templates)): the built-in templates, a host's own templates, and the
//! rendering rules that keep every email safe to send.
//!
//! This module owns what an email says and how it is escaped; it does not own
//! delivery (the host does) nor input validation (the caller hands in names it
//! has already checked). Templates are minijinja templates: the HTML part is
//! auto-escaped, the subject is folded into one line so that no header can be
//! injected, and a template that fails in any way gives `invalid_input` naming
//! the template, never a half-rendered email.

use std::collections::HashSet;
use std::fmt;
use std::fmt::Write as _;
use std::sync::OnceLock;

use minijinja::syntax::SyntaxConfig;
use minijinja::value::Value;
use minijinja::{AutoEscape, Environment, Output, State, UndefinedBehavior, context};

use crate::error::{Error, Result, quote};
use crate::input;

/// The longest template source accepted, per part, in bytes (64 KiB).
const MAX_SOURCE_BYTES: usize = 64 * 1024;

/// The longest subject, in characters, after folding.
const MAX_SUBJECT_CHARS: usize = 200;

/// Fuel for one render of one part. Fuel bounds both the time and the memory
/// a template can use (roughly 64 bytes per unit), so a runaway host template
/// stops with an error in milliseconds instead of hanging a request. The
/// built-in templates with a long personal message use a small fraction of it.
const FUEL_PER_RENDER: u64 = 100_000;

/// The variables every template can use; each one is always defined (as
/// `none` when absent), so that strict undefined handling only catches typos.
const VARIABLES: [&str; 16] = [
    "to",
    "inviter_name",
    "organization_name",
    "team_name",
    "team_names",
    "metadata",
    "message",
    "link",
    "expires_at",
    "thread_title",
    "freelancer_name",
    "invitee_email",
    "role",
    "reason",
    "reviewer_name",
    "requester_name",
];

/// Which email: the company invitation, the invitation that also names a
/// conversation, or one of the emails of [approvals](crate::rules#approvals).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EmailKind {
    /// An invitation to join the organization ([invitations](crate::rules#invitations)).
    Invitation,
    /// An invitation to join the organization that also brings the invitee
    /// into a conversation with a freelancer (`invite_to_thread`; see
    /// [conversations](crate::rules#threads)).
    ThreadInvitation,
    /// To a manager: an invitation awaits their approval. `link` is the
    /// organization's portal, where the host shows the request.
    ApprovalRequested,
    /// To the inviter: a manager denied their invitation, with the reason if given.
    InvitationDenied,
    /// To a manager: someone on an auto-join domain asks to join.
    JoinRequested,
    /// To the person who asked to join: a manager let them in.
    JoinApproved,
    /// To the person who asked to join: a manager refused, with the reason if given.
    JoinDenied,
}

impl EmailKind {
    /// Every kind, in a stable order.
    pub const ALL: [EmailKind; 7] = [
        EmailKind::Invitation,
        EmailKind::ThreadInvitation,
        EmailKind::ApprovalRequested,
        EmailKind::InvitationDenied,
        EmailKind::JoinRequested,
        EmailKind::JoinApproved,
        EmailKind::JoinDenied,
    ];

    /// The stable name of the kind: `invitation`, `thread_invitation`,
    /// `approval_requested`, `invitation_denied`, `join_requested`,
    /// `join_approved` or `join_denied`.
    pub fn as_str(self) -> &'static str {
        match self {
            EmailKind::Invitation => "invitation",
            EmailKind::ThreadInvitation => "thread_invitation",
            EmailKind::ApprovalRequested => "approval_requested",
            EmailKind::InvitationDenied => "invitation_denied",
            EmailKind::JoinRequested => "join_requested",
            EmailKind::JoinApproved => "join_approved",
            EmailKind::JoinDenied => "join_denied",
        }
    }

    /// Whether it carries an invitation's join link (a secret) and expiry.
    pub fn is_invitation(self) -> bool {
        matches!(self, EmailKind::Invitation | EmailKind::ThreadInvitation)
    }

    /// The kind named by [`as_str`](Self::as_str); anything else is `invalid_input`.
    pub fn parse(s: &str) -> Result<EmailKind> {
        EmailKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| Error::invalid(format!("unknown email kind `{}`", quote(s))))
    }
}

impl fmt::Display for EmailKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A rendered email. Its text and HTML contain the join link, a secret, so Debug shows only
/// `to`, `subject` and the lengths of the bodies.
#[derive(Clone, PartialEq, Eq)]
pub struct Email {
    /// The recipient's address.
    pub to: String,
    /// One line, at most 200 characters, without any control character.
    pub subject: String,
    /// The plain-text part.
    pub text: String,
    /// The HTML part: a complete document with every user-supplied value escaped.
    pub html: String,
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Email")
            .field("to", &self.to)
            .field("subject", &self.subject)
            .field("text_len", &self.text.len())
            .field("html_len", &self.html.len())
            .finish()
    }
}

/// A host's own templates for one kind of email (minijinja sources).
///
/// Each part is at most 64 KiB. The template names, used in error messages,
/// are `{kind}.subject`, `{kind}.text` and `{kind}.html` (for example
/// `invitation.html`); only the `.html` part is HTML auto-escaped.
///
/// Variables: `to`, `inviter_name`, `organization_name`, `team_name`,
/// `team_names`, `metadata`, `message`, `link`, `expires_at`, `thread_title`,
/// `freelancer_name`, and for the emails of approvals `invitee_email` (the
/// invited or asking address), `role`, `reason` (a denial's), `reviewer_name`
/// (the manager who decided) and `requester_name` (who asks to join); the
/// optional ones are `none` when absent, so test them with
/// `{% if team_name %}`. In the emails of approvals `link` is the
/// organization's portal, not a join link, and `inviter_name` and
/// `expires_at` are empty where no invitation is involved. `team_name` is the teams' names in one phrase
/// (`Design`, `Design and Ops`, `Design, Ops and Sales`); `team_names` is the
/// list; `metadata` is the invitation's metadata shown to the invitee (an
/// empty object when none; test a key with `{% if metadata.plan is defined %}`).
/// The private metadata is never given to a template.
/// Any other name is an error (strict undefined). The filter `nl2br` escapes a
/// value and turns its line breaks into `<br>` in the HTML part (it leaves the
/// value unchanged elsewhere). Blocks are whitespace-trimmed (`trim_blocks` and
/// `lstrip_blocks`) and a final newline is kept. The subject is folded into one
/// line after rendering.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TemplateSource {
    /// The subject line template.
    pub subject: String,
    /// The plain-text part template.
    pub text: String,
    /// The HTML part template (auto-escaped).
    pub html: String,
}

/// What a template can use. All strings are already validated by the caller (names have no
/// control characters) except `message`, which is free text up to a few thousand chars and may
/// contain HTML, newlines, and template-like `{{ }}` sequences (rendered as data, never evaluated).
///
/// Debug never shows `link`, which carries the invitation's secret token.
#[derive(Clone, Default, serde::Serialize)]
pub struct EmailContext {
    /// The recipient's address.
    pub to: String,
    /// The name of the member who sends the invitation.
    pub inviter_name: String,
    /// The organization's name.
    pub organization_name: String,
    /// The teams the invitee will join, in order (empty when none).
    pub team_names: Vec<String>,
    /// The inviter's personal message, if any (free text).
    pub message: Option<String>,
    /// The join link; a secret.
    pub link: String,
    /// When the invitation expires, for people to read (e.g. "January 8, 2026 at 00:00 UTC").
    pub expires_at: String,
    /// The invitation's metadata shown to the invitee (never the private one).
    pub metadata: crate::JsonObject,
    /// The conversation's title; required for [`EmailKind::ThreadInvitation`].
    pub thread_title: Option<String>,
    /// The freelancer in the conversation; required for [`EmailKind::ThreadInvitation`].
    pub freelancer_name: Option<String>,
    /// The invited address, or the address asking to join; required for the
    /// emails of approvals but [`EmailKind::JoinApproved`] and [`EmailKind::JoinDenied`].
    pub invitee_email: Option<String>,
    /// The role the invitation gives or the request asks for.
    pub role: Option<String>,
    /// Why a manager denied (free text, as `message`).
    pub reason: Option<String>,
    /// The manager who approved or denied.
    pub reviewer_name: Option<String>,
    /// The name of the person asking to join; required for [`EmailKind::JoinRequested`].
    pub requester_name: Option<String>,
}

impl fmt::Debug for EmailContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmailContext")
            .field("to", &self.to)
            .field("inviter_name", &self.inviter_name)
            .field("organization_name", &self.organization_name)
            .field("team_names", &self.team_names)
            .field("message", &self.message)
            .field("link", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .field("thread_title", &self.thread_title)
            .field("freelancer_name", &self.freelancer_name)
            .field("invitee_email", &self.invitee_email)
            .field("role", &self.role)
            .field("reason", &self.reason)
            .field("reviewer_name", &self.reviewer_name)
            .field("requester_name", &self.requester_name)
            .finish()
    }
}

/// Compiles the three parts; a syntax error -> Error::InvalidInput naming the part, e.g.
/// "template `invitation.html` does not compile: ..." ; each source at most 64 KiB (else InvalidInput)
/// and without NUL (else InvalidInput, on every store alike).
///
/// A part that uses a variable InviteKit does not provide is refused here too,
/// so that a typo shows when the host registers the template rather than when
/// the first invitation is sent.
pub fn validate_template(kind: EmailKind, src: &TemplateSource) -> Result<()> {
    for part in Part::ALL {
        input::no_nul(part.template_name(kind), part.source(src))?;
    }
    let env = custom_env(kind, src)?;
    let known: HashSet<&str> = VARIABLES.into_iter().collect();
    let globals: Vec<String> = env.globals().map(|(name, _)| name.to_owned()).collect();
    for part in Part::ALL {
        let name = part.template_name(kind);
        let template = env.get_template(name).map_err(|e| compile_error(name, &e))?;
        let mut unknown: Vec<String> = template
            .undeclared_variables(false)
            .into_iter()
            .filter(|v| !known.contains(v.as_str()) && !globals.contains(v))
            .collect();
        unknown.sort();
        if let Some(first) = unknown.first() {
            return Err(Error::invalid(format!("template `{name}` uses the unknown variable `{}`", quote(first))));
        }
    }
    Ok(())
}

/// Renders `kind` with the host's template when given, else the built-in one. HTML part with
/// HTML autoescape (minijinja auto-escape callback on a ".html" template name), text and
/// subject without escaping. Undefined variables are errors (strict undefined); a fuel limit stops
/// a runaway template. Any failure -> Error::InvalidInput naming the template, never a half email.
/// The subject has every control character and run of whitespace (CR, LF, TAB, U+2028...) folded into one space
/// and is trimmed, and is cut to at most 200 characters at a char boundary, so no header can be injected.
///
/// A [`EmailKind::ThreadInvitation`] needs `thread_title` and `freelancer_name`.
/// In `message`, line endings are normalized to `\n` and other control
/// characters except tabs are dropped before any template sees it.
pub fn render(kind: EmailKind, custom: Option<&TemplateSource>, ctx: &EmailContext) -> Result<Email> {
    check_context(kind, ctx)?;
    match custom {
        Some(src) => render_with(&custom_env(kind, src)?, kind, ctx),
        None => render_with(builtin_env()?, kind, ctx),
    }
}

/// The three parts of an email, each its own template.
#[derive(Clone, Copy)]
enum Part {
    Subject,
    Text,
    Html,
}

impl Part {
    const ALL: [Part; 3] = [Part::Subject, Part::Text, Part::Html];

    /// The template's name: it appears in error messages, and its extension
    /// decides auto-escaping.
    fn template_name(self, kind: EmailKind) -> &'static str {
        macro_rules! names {
            ($($kind:ident => $name:literal),* $(,)?) => {
                match (kind, self) {
                    $(
                        (EmailKind::$kind, Part::Subject) => concat!($name, ".subject"),
                        (EmailKind::$kind, Part::Text) => concat!($name, ".text"),
                        (EmailKind::$kind, Part::Html) => concat!($name, ".html"),
                    )*
                }
            };
        }
        names! {
            Invitation => "invitation",
            ThreadInvitation => "thread_invitation",
            ApprovalRequested => "approval_requested",
            InvitationDenied => "invitation_denied",
            JoinRequested => "join_requested",
            JoinApproved => "join_approved",
            JoinDenied => "join_denied",
        }
    }

    fn source(self, src: &TemplateSource) -> &str {
        match self {
            Part::Subject => &src.subject,
            Part::Text => &src.text,
            Part::Html => &src.html,
        }
    }
}

/// An environment with InviteKit's rules and nothing loaded. The same rules
/// apply to built-in and host templates, so a host template behaves exactly
/// like the built-in one it replaces.
fn base_env() -> Result<Environment<'static>> {
    let mut env = Environment::new();
    let syntax = SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .keep_trailing_newline(true)
        .build()
        .map_err(|e| Error::invalid(format!("template syntax settings are invalid: {}", quote(&e.to_string()))))?;
    env.set_syntax(syntax);
    // Escaping is decided by the template's name, never by its content: only
    // the HTML part is HTML; the subject and text are plain text.
    env.set_auto_escape_callback(|name| if name.ends_with(".html") { AutoEscape::Html } else { AutoEscape::None });
    env.set_formatter(html_formatter);
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_fuel(Some(FUEL_PER_RENDER));
    env.add_filter("nl2br", nl2br);
    Ok(env)
}

/// Like minijinja's default formatter, except that `/` is left alone in HTML:
/// `https:&#x2f;&#x2f;` is valid but confuses some mail clients and link
/// scanners, and `/` needs no escaping in text or in a quoted attribute.
fn html_formatter(out: &mut Output, state: &mut State, value: &Value) -> std::result::Result<(), minijinja::Error> {
    if matches!(state.auto_escape(), AutoEscape::Html) && !value.is_safe() {
        let text = value.to_string();
        out.write_str(&escape_html(&text)).map_err(minijinja::Error::from)
    } else {
        minijinja::escape_formatter(out, state, value)
    }
}

/// Escapes the five characters that matter in HTML text and quoted attributes.
fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The `nl2br` filter: in an HTML template, escapes the value first and only
/// then turns line breaks into `<br>`, so the `<br>` tags are the only markup
/// in the result. Elsewhere it returns the value unchanged, so that a text
/// part never gets HTML tags.
fn nl2br(state: &State, value: &Value) -> std::result::Result<Value, minijinja::Error> {
    if !matches!(state.auto_escape(), AutoEscape::Html) || value.is_none() {
        return Ok(value.clone());
    }
    let raw = value.to_string();
    let escaped = if value.is_safe() { raw } else { escape_html(&raw) };
    let html = normalize_newlines(&escaped).replace('\n', "<br>\n");
    Ok(Value::from_safe_string(html))
}

fn normalize_newlines(s: &str) -> String {
    s.replace("\r\n", "\n").replace('\r', "\n")
}

/// The built-in templates, compiled once for the life of the process.
fn builtin_env() -> Result<&'static Environment<'static>> {
    static BUILTIN: OnceLock<std::result::Result<Environment<'static>, String>> = OnceLock::new();
    let built = BUILTIN.get_or_init(|| {
        let mut env = base_env().map_err(|e| e.to_string())?;
        for kind in EmailKind::ALL {
            for part in Part::ALL {
                let name = part.template_name(kind);
                env.add_template(name, builtin_part(kind, part)).map_err(|e| compile_error(name, &e).to_string())?;
            }
        }
        Ok(env)
    });
    // Unreachable in practice (the tests compile every built-in template), but
    // a broken build must fail the send, not the process.
    built.as_ref().map_err(|msg| Error::invalid(format!("the built-in email templates are broken: {msg}")))
}

/// An environment holding a host's three templates for `kind`.
fn custom_env(kind: EmailKind, src: &TemplateSource) -> Result<Environment<'static>> {
    let mut env = base_env()?;
    for part in Part::ALL {
        let name = part.template_name(kind);
        let source = part.source(src);
        if source.len() > MAX_SOURCE_BYTES {
            return Err(Error::invalid(format!("template `{name}` is longer than {MAX_SOURCE_BYTES} bytes")));
        }
        env.add_template_owned(name, source.to_owned()).map_err(|e| compile_error(name, &e))?;
    }
    Ok(env)
}

/// Checks what the templates rely on and the caller cannot be trusted to have
/// checked for this particular email.
fn check_context(kind: EmailKind, ctx: &EmailContext) -> Result<()> {
    // `to` becomes a header; refuse rather than fold it, since a folded
    // address is a different address.
    if ctx.to.chars().any(char::is_control) {
        return Err(Error::invalid("the recipient address contains a control character"));
    }
    if kind == EmailKind::ThreadInvitation && (ctx.thread_title.is_none() || ctx.freelancer_name.is_none()) {
        return Err(Error::invalid("a `thread_invitation` email needs a conversation title and a freelancer name"));
    }
    let needs_invitee =
        matches!(kind, EmailKind::ApprovalRequested | EmailKind::InvitationDenied | EmailKind::JoinRequested);
    if needs_invitee && ctx.invitee_email.is_none() {
        return Err(Error::invalid(format!("a `{kind}` email needs the invited or asking address")));
    }
    if kind == EmailKind::JoinRequested && ctx.requester_name.is_none() {
        return Err(Error::invalid("a `join_requested` email needs the name of the person asking"));
    }
    Ok(())
}

/// The personal message as templates see it: one newline convention, no
/// control characters but tabs and newlines (a stray CR or NUL in a mail body
/// is trouble for some mail servers), and none when there is nothing to say.
fn clean_message(message: &str) -> Option<String> {
    if message.trim().is_empty() {
        return None;
    }
    let cleaned: String =
        normalize_newlines(message).chars().filter(|&c| c == '\n' || c == '\t' || !c.is_control()).collect();
    Some(cleaned)
}

/// The teams' names in one phrase: `A`, `A and B`, `A, B and C`; none when there is no team.
fn team_phrase(names: &[String]) -> Option<String> {
    match names {
        [] => None,
        [one] => Some(one.clone()),
        [rest @ .., last] => Some(format!("{} and {last}", rest.join(", "))),
    }
}

fn template_context(ctx: &EmailContext) -> Value {
    context! {
        to => ctx.to.as_str(),
        inviter_name => ctx.inviter_name.as_str(),
        organization_name => ctx.organization_name.as_str(),
        team_name => team_phrase(&ctx.team_names),
        team_names => ctx.team_names.clone(),
        metadata => Value::from(minijinja::value::Serde(&ctx.metadata)),
        message => ctx.message.as_deref().and_then(clean_message),
        link => ctx.link.as_str(),
        expires_at => ctx.expires_at.as_str(),
        thread_title => ctx.thread_title.as_deref(),
        freelancer_name => ctx.freelancer_name.as_deref(),
        invitee_email => ctx.invitee_email.as_deref(),
        role => ctx.role.as_deref(),
        reason => ctx.reason.as_deref().and_then(clean_message),
        reviewer_name => ctx.reviewer_name.as_deref(),
        requester_name => ctx.requester_name.as_deref(),
    }
}

fn render_with(env: &Environment<'static>, kind: EmailKind, ctx: &EmailContext) -> Result<Email> {
    let values = template_context(ctx);
    let render_part = |part: Part| -> Result<String> {
        let name = part.template_name(kind);
        env.get_template(name).and_then(|t| t.render(values.clone())).map_err(|e| render_error(name, &e, &ctx.link))
    };
    // Every part renders before anything is returned: a failure anywhere
    // gives an error, never an email with a missing part.
    let raw_subject = render_part(Part::Subject)?;
    let text = render_part(Part::Text)?;
    let html = render_part(Part::Html)?;
    let subject = fold_subject(&raw_subject);
    if subject.is_empty() {
        return Err(Error::invalid(format!(
            "template `{}` renders an empty subject",
            Part::Subject.template_name(kind)
        )));
    }
    Ok(Email { to: ctx.to.clone(), subject, text, html })
}

/// Folds every run of whitespace and control characters (CR, LF, TAB, NUL,
/// U+2028, ...) into one space, trims, and cuts at 200 characters: a subject
/// is one header line and nothing in it can start another.
fn fold_subject(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len().min(MAX_SUBJECT_CHARS * 4));
    let mut pending_space = false;
    let mut count = 0;
    for c in raw.chars() {
        if c.is_whitespace() || c.is_control() {
            pending_space = true;
            continue;
        }
        let needed = if pending_space && count > 0 { 2 } else { 1 };
        if count + needed > MAX_SUBJECT_CHARS {
            break;
        }
        if needed == 2 {
            out.push(' ');
        }
        out.push(c);
        count += needed;
        pending_space = false;
    }
    out
}

fn compile_error(name: &str, err: &minijinja::Error) -> Error {
    Error::invalid(format!("template `{name}` does not compile: {}", describe(err, None)))
}

fn render_error(name: &str, err: &minijinja::Error, link: &str) -> Error {
    Error::invalid(format!("template `{name}` cannot be rendered: {}", describe(err, Some(link))))
}

/// A short, single-line account of a minijinja error: its kind, detail and
/// line, then the innermost cause (for an `include`). The link, and its long
/// path segments (the token), are blanked out: an error can quote a value
/// (`{% include link %}`), and errors end up in logs.
fn describe(err: &minijinja::Error, link: Option<&str>) -> String {
    let mut out = one_error(err, link);
    let mut inner: Option<&minijinja::Error> = None;
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        if let Some(e) = cause.downcast_ref::<minijinja::Error>() {
            inner = Some(e);
        }
        source = cause.source();
    }
    if let Some(e) = inner {
        let _ = write!(out, "; caused by {}", one_error(e, link));
    }
    out
}

fn one_error(err: &minijinja::Error, link: Option<&str>) -> String {
    let mut msg = err.kind().to_string();
    if let Some(detail) = err.detail() {
        msg.push_str(": ");
        msg.push_str(detail);
    }
    if let Some(link) = link {
        msg = redact(&msg, link);
    }
    let mut out = quote(&msg);
    if let Some(line) = err.line() {
        let _ = write!(out, " (line {line})");
    }
    out
}

fn redact(msg: &str, link: &str) -> String {
    let mut msg = if link.is_empty() { msg.to_owned() } else { msg.replace(link, "<link>") };
    for segment in link.split('/').filter(|s| s.len() >= 16) {
        msg = msg.replace(segment, "<redacted>");
    }
    msg
}

/// The built-in template of one part of `kind`.
fn builtin_part(kind: EmailKind, part: Part) -> &'static str {
    match (kind, part) {
        (EmailKind::Invitation, Part::Subject) => INVITATION_SUBJECT,
        (EmailKind::Invitation, Part::Text) => INVITATION_TEXT,
        (EmailKind::Invitation, Part::Html) => INVITATION_HTML,
        (EmailKind::ThreadInvitation, Part::Subject) => THREAD_INVITATION_SUBJECT,
        (EmailKind::ThreadInvitation, Part::Text) => THREAD_INVITATION_TEXT,
        (EmailKind::ThreadInvitation, Part::Html) => THREAD_INVITATION_HTML,
        (EmailKind::ApprovalRequested, Part::Subject) => APPROVAL_REQUESTED_SUBJECT,
        (EmailKind::ApprovalRequested, Part::Text) => APPROVAL_REQUESTED_TEXT,
        (EmailKind::ApprovalRequested, Part::Html) => APPROVAL_REQUESTED_HTML,
        (EmailKind::InvitationDenied, Part::Subject) => INVITATION_DENIED_SUBJECT,
        (EmailKind::InvitationDenied, Part::Text) => INVITATION_DENIED_TEXT,
        (EmailKind::InvitationDenied, Part::Html) => INVITATION_DENIED_HTML,
        (EmailKind::JoinRequested, Part::Subject) => JOIN_REQUESTED_SUBJECT,
        (EmailKind::JoinRequested, Part::Text) => JOIN_REQUESTED_TEXT,
        (EmailKind::JoinRequested, Part::Html) => JOIN_REQUESTED_HTML,
        (EmailKind::JoinApproved, Part::Subject) => JOIN_APPROVED_SUBJECT,
        (EmailKind::JoinApproved, Part::Text) => JOIN_APPROVED_TEXT,
        (EmailKind::JoinApproved, Part::Html) => JOIN_APPROVED_HTML,
        (EmailKind::JoinDenied, Part::Subject) => JOIN_DENIED_SUBJECT,
        (EmailKind::JoinDenied, Part::Text) => JOIN_DENIED_TEXT,
        (EmailKind::JoinDenied, Part::Html) => JOIN_DENIED_HTML,
    }
}

/// The page around the body of the built-in emails of approvals: `{title}`
/// and `{body}` are replaced when the templates are made (at compile time).
macro_rules! notice_html {
    ($title:literal, $body:literal) => {
        concat!(
            r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>"#,
            $title,
            r#"</title>
</head>
<body style="margin:0;padding:0;background-color:#f4f5f7;">
<div style="max-width:560px;margin:0 auto;padding:32px 16px;font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Helvetica,Arial,sans-serif;font-size:16px;line-height:1.5;color:#1f2328;">
<div style="background-color:#ffffff;border:1px solid #e1e4e8;border-radius:8px;padding:32px;">
"#,
            $body,
            r#"
</div>
</div>
</body>
</html>
"#
        )
    };
}

const APPROVAL_REQUESTED_SUBJECT: &str =
    "{{ inviter_name }} asks to invite {{ invitee_email }} to {{ organization_name }}";

const APPROVAL_REQUESTED_TEXT: &str = r#"Hi,

{{ inviter_name }} would like to invite {{ invitee_email }} to {{ organization_name }} as {{ role }}.{% if team_name %} They would join the {{ team_name }} team{% if team_names|length > 1 %}s{% endif %}.{% endif +%}

{% if message %}
The invitation says:

{% for line in message|lines %}
{{ ("> " ~ line)|trim }}
{% endfor %}

{% endif %}
The invitation waits for a manager's approval. Approve or deny it here:
{{ link }}
"#;

const APPROVAL_REQUESTED_HTML: &str = notice_html!(
    "{{ inviter_name }} asks to invite {{ invitee_email }} to {{ organization_name }}",
    r#"<h1 style="margin:0 0 16px;font-size:20px;line-height:1.3;">An invitation awaits your approval</h1>
<p style="margin:0 0 16px;"><strong>{{ inviter_name }}</strong> would like to invite <strong>{{ invitee_email }}</strong> to <strong>{{ organization_name }}</strong> as <strong>{{ role }}</strong>.{% if team_name %} They would join the <strong>{{ team_name }}</strong> team{% if team_names|length > 1 %}s{% endif %}.{% endif %}</p>
{% if message %}
<p style="margin:0 0 8px;">The invitation says:</p>
<blockquote style="margin:0 0 16px;padding:12px 16px;border-left:4px solid #d0d7de;background-color:#f6f8fa;color:#424a53;">{{ message|nl2br }}</blockquote>
{% endif %}
<p style="margin:24px 0 0;"><a href="{{ link }}" style="display:inline-block;padding:12px 24px;background-color:#1f6feb;color:#ffffff;text-decoration:none;border-radius:6px;font-weight:600;">Review the invitation</a></p>"#
);

const INVITATION_DENIED_SUBJECT: &str =
    "Your invitation of {{ invitee_email }} to {{ organization_name }} was not approved";

const INVITATION_DENIED_TEXT: &str = r#"Hi,

{% if reviewer_name %}{{ reviewer_name }}{% else %}A manager{% endif %} did not approve your invitation of {{ invitee_email }} to {{ organization_name }}. No email was sent to them.
{% if reason %}

The reason given:

{% for line in reason|lines %}
{{ ("> " ~ line)|trim }}
{% endfor %}
{% endif %}
"#;

const INVITATION_DENIED_HTML: &str = notice_html!(
    "Your invitation of {{ invitee_email }} to {{ organization_name }} was not approved",
    r#"<h1 style="margin:0 0 16px;font-size:20px;line-height:1.3;">Invitation not approved</h1>
<p style="margin:0 0 16px;">{% if reviewer_name %}<strong>{{ reviewer_name }}</strong>{% else %}A manager{% endif %} did not approve your invitation of <strong>{{ invitee_email }}</strong> to <strong>{{ organization_name }}</strong>. No email was sent to them.</p>
{% if reason %}
<p style="margin:0 0 8px;">The reason given:</p>
<blockquote style="margin:0;padding:12px 16px;border-left:4px solid #d0d7de;background-color:#f6f8fa;color:#424a53;">{{ reason|nl2br }}</blockquote>
{% endif %}"#
);

const JOIN_REQUESTED_SUBJECT: &str = "{{ requester_name }} asks to join {{ organization_name }}";

const JOIN_REQUESTED_TEXT: &str = r#"Hi,

{{ requester_name }} ({{ invitee_email }}) asks to join {{ organization_name }}{% if role %} as {{ role }}{% endif %}.

Approve or deny the request here:
{{ link }}
"#;

const JOIN_REQUESTED_HTML: &str = notice_html!(
    "{{ requester_name }} asks to join {{ organization_name }}",
    r#"<h1 style="margin:0 0 16px;font-size:20px;line-height:1.3;">A request to join</h1>
<p style="margin:0 0 16px;"><strong>{{ requester_name }}</strong> ({{ invitee_email }}) asks to join <strong>{{ organization_name }}</strong>{% if role %} as <strong>{{ role }}</strong>{% endif %}.</p>
<p style="margin:24px 0 0;"><a href="{{ link }}" style="display:inline-block;padding:12px 24px;background-color:#1f6feb;color:#ffffff;text-decoration:none;border-radius:6px;font-weight:600;">Review the request</a></p>"#
);

const JOIN_APPROVED_SUBJECT: &str = "Welcome to {{ organization_name }}";

const JOIN_APPROVED_TEXT: &str = r#"Hi{% if requester_name %} {{ requester_name }}{% endif %},

Your request to join {{ organization_name }} was approved. Sign in here:
{{ link }}
"#;

const JOIN_APPROVED_HTML: &str = notice_html!(
    "Welcome to {{ organization_name }}",
    r#"<h1 style="margin:0 0 16px;font-size:20px;line-height:1.3;">Welcome to {{ organization_name }}</h1>
<p style="margin:0 0 16px;">Your request to join <strong>{{ organization_name }}</strong> was approved.</p>
<p style="margin:24px 0 0;"><a href="{{ link }}" style="display:inline-block;padding:12px 24px;background-color:#1f6feb;color:#ffffff;text-decoration:none;border-radius:6px;font-weight:600;">Sign in</a></p>"#
);

const JOIN_DENIED_SUBJECT: &str = "Your request to join {{ organization_name }}";

const JOIN_DENIED_TEXT: &str = r#"Hi{% if requester_name %} {{ requester_name }}{% endif %},

Your request to join {{ organization_name }} was not approved.
{% if reason %}

The reason given:

{% for line in reason|lines %}
{{ ("> " ~ line)|trim }}
{% endfor %}
{% endif %}
"#;

const JOIN_DENIED_HTML: &str = notice_html!(
    "Your request to join {{ organization_name }}",
    r#"<h1 style="margin:0 0 16px;font-size:20px;line-height:1.3;">Your request to join {{ organization_name }}</h1>
<p style="margin:0 0 16px;">Your request to join <strong>{{ organization_name }}</strong> was not approved.</p>
{% if reason %}
<p style="margin:0 0 8px;">The reason given:</p>
<blockquote style="margin:0;padding:12px 16px;border-left:4px solid #d0d7de;background-color:#f6f8fa;color:#424a53;">{{ reason|nl2br }}</blockquote>
{% endif %}"#
);

const INVITATION_SUBJECT: &str = "{{ inviter_name }} invited you to join {{ organization_name }}";

const INVITATION_TEXT: &str = r#"Hi,

{{ inviter_name }} invited you to join {{ organization_name }}.{% if team_name %} You'll be part of the {{ team_name }} team{% if team_names|length > 1 %}s{% endif %}.{% endif +%}

{% if message %}
{{ inviter_name }} wrote:

{% for line in message|lines %}
{{ ("> " ~ line)|trim }}
{% endfor %}

{% endif %}
Accept the invitation by opening this link:
{{ link }}

This invitation expires on {{ expires_at }}.

If you weren't expecting this invitation, you can ignore this email.
"#;

const INVITATION_HTML: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ inviter_name }} invited you to join {{ organization_name }}</title>
</head>
<body style="margin:0;padding:0;background-color:#f4f5f7;">
<div style="max-width:560px;margin:0 auto;padding:32px 16px;font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Helvetica,Arial,sans-serif;font-size:16px;line-height:1.5;color:#1f2328;">
<div style="background-color:#ffffff;border:1px solid #e1e4e8;border-radius:8px;padding:32px;">
<h1 style="margin:0 0 16px;font-size:20px;line-height:1.3;">Join {{ organization_name }}</h1>
<p style="margin:0 0 16px;"><strong>{{ inviter_name }}</strong> invited you to join <strong>{{ organization_name }}</strong>.{% if team_name %} You'll be part of the <strong>{{ team_name }}</strong> team{% if team_names|length > 1 %}s{% endif %}.{% endif %}</p>
{% if message %}
<p style="margin:0 0 8px;">{{ inviter_name }} wrote:</p>
<blockquote style="margin:0 0 16px;padding:12px 16px;border-left:4px solid #d0d7de;background-color:#f6f8fa;color:#424a53;">{{ message|nl2br }}</blockquote>
{% endif %}
<p style="margin:24px 0;"><a href="{{ link }}" style="display:inline-block;padding:12px 24px;background-color:#1f6feb;color:#ffffff;text-decoration:none;border-radius:6px;font-weight:600;">Accept invitation</a></p>
<p style="margin:0 0 16px;font-size:14px;color:#57606a;">Or copy this link into your browser:<br><a href="{{ link }}" style="color:#1f6feb;word-break:break-all;">{{ link }}</a></p>
<p style="margin:0;font-size:14px;color:#57606a;">This invitation expires on {{ expires_at }}.</p>
</div>
<p style="margin:16px 0 0;font-size:12px;color:#8c959f;text-align:center;">If you weren't expecting this invitation, you can ignore this email.</p>
</div>
</body>
</html>
"#;

const THREAD_INVITATION_SUBJECT: &str =
    "{{ inviter_name }} invited you to a conversation with {{ freelancer_name }} at {{ organization_name }}";

const THREAD_INVITATION_TEXT: &str = r#"Hi,

{{ inviter_name }} invited you to a conversation with {{ freelancer_name }} at {{ organization_name }}.

Conversation: "{{ thread_title }}"

{% if team_name %}
You'll be part of the {{ team_name }} team{% if team_names|length > 1 %}s{% endif %}.

{% endif %}
{% if message %}
{{ inviter_name }} wrote:

{% for line in message|lines %}
{{ ("> " ~ line)|trim }}
{% endfor %}

{% endif %}
Accept the invitation to join {{ organization_name }}, and you'll have access to the conversation right away:
{{ link }}

This invitation expires on {{ expires_at }}.

If you weren't expecting this invitation, you can ignore this email.
"#;

const THREAD_INVITATION_HTML: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ inviter_name }} invited you to a conversation with {{ freelancer_name }} at {{ organization_name }}</title>
</head>
<body style="margin:0;padding:0;background-color:#f4f5f7;">
<div style="max-width:560px;margin:0 auto;padding:32px 16px;font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Helvetica,Arial,sans-serif;font-size:16px;line-height:1.5;color:#1f2328;">
<div style="background-color:#ffffff;border:1px solid #e1e4e8;border-radius:8px;padding:32px;">
<h1 style="margin:0 0 16px;font-size:20px;line-height:1.3;">Join the conversation</h1>
<p style="margin:0 0 16px;"><strong>{{ inviter_name }}</strong> invited you to a conversation with <strong>{{ freelancer_name }}</strong> at <strong>{{ organization_name }}</strong>.</p>
<p style="margin:0 0 16px;padding:12px 16px;border:1px solid #e1e4e8;border-radius:6px;background-color:#f6f8fa;"><span style="font-size:12px;color:#57606a;text-transform:uppercase;letter-spacing:0.04em;">Conversation</span><br><strong>{{ thread_title }}</strong><br><span style="font-size:14px;color:#57606a;">with {{ freelancer_name }}</span></p>
{% if team_name %}
<p style="margin:0 0 16px;">You'll be part of the <strong>{{ team_name }}</strong> team{% if team_names|length > 1 %}s{% endif %}.</p>
{% endif %}
{% if message %}
<p style="margin:0 0 8px;">{{ inviter_name }} wrote:</p>
<blockquote style="margin:0 0 16px;padding:12px 16px;border-left:4px solid #d0d7de;background-color:#f6f8fa;color:#424a53;">{{ message|nl2br }}</blockquote>
{% endif %}
<p style="margin:0 0 16px;">Accept the invitation to join {{ organization_name }}, and you'll have access to the conversation right away.</p>
<p style="margin:24px 0;"><a href="{{ link }}" style="display:inline-block;padding:12px 24px;background-color:#1f6feb;color:#ffffff;text-decoration:none;border-radius:6px;font-weight:600;">Join the conversation</a></p>
<p style="margin:0 0 16px;font-size:14px;color:#57606a;">Or copy this link into your browser:<br><a href="{{ link }}" style="color:#1f6feb;word-break:break-all;">{{ link }}</a></p>
<p style="margin:0;font-size:14px;color:#57606a;">This invitation expires on {{ expires_at }}.</p>
</div>
<p style="margin:16px 0 0;font-size:12px;color:#8c959f;text-align:center;">If you weren't expecting this invitation, you can ignore this email.</p>
</div>
</body>
</html>
"#;

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    const LINK: &str = "https://acme.example.com/portal/join/ikinv_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcd";
    const HOSTILE: &str = "<script>alert(1)</script>\"'&<>";
    /// The kinds that carry an invitation's join link and expiry.
    const INVITATIONS: [EmailKind; 2] = [EmailKind::Invitation, EmailKind::ThreadInvitation];
    const HOSTILE_ESCAPED: &str = "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;&lt;&gt;";

    fn ctx() -> EmailContext {
        EmailContext {
            to: "bob@acme.com".into(),
            inviter_name: "Alice Smith".into(),
            organization_name: "Acme Corp".into(),
            team_names: vec![],
            metadata: crate::JsonObject::new(),
            message: None,
            link: LINK.into(),
            expires_at: "January 8, 2026 at 00:00 UTC".into(),
            thread_title: None,
            freelancer_name: None,
            ..EmailContext::default()
        }
    }

    /// A context every kind renders with: the approvals' values too.
    fn full_ctx() -> EmailContext {
        EmailContext {
            thread_title: Some("Logo redesign".into()),
            freelancer_name: Some("José Pérez".into()),
            invitee_email: Some("bob@acme.com".into()),
            role: Some("member".into()),
            reason: Some("Not now".into()),
            reviewer_name: Some("Alice Smith".into()),
            requester_name: Some("Bob Jones".into()),
            ..ctx()
        }
    }

    #[test]
    fn every_built_in_template_renders_and_escapes_every_value() {
        for kind in EmailKind::ALL {
            let email = render(kind, None, &full_ctx()).unwrap();
            assert!(!email.subject.is_empty() && !email.subject.contains('\n'), "{kind}: {}", email.subject);
            assert!(email.html.starts_with("<!doctype html>"), "{kind}");
            let hostile = EmailContext {
                inviter_name: HOSTILE.into(),
                organization_name: HOSTILE.into(),
                message: Some(HOSTILE.into()),
                reason: Some(HOSTILE.into()),
                reviewer_name: Some(HOSTILE.into()),
                requester_name: Some(HOSTILE.into()),
                ..full_ctx()
            };
            let email = render(kind, None, &hostile).unwrap();
            assert!(!email.html.contains("<script>"), "{kind}: {}", email.html);
            assert!(email.html.contains(HOSTILE_ESCAPED), "{kind}: {}", email.html);
            assert_eq!(kind.is_invitation(), INVITATIONS.contains(&kind));
        }
    }

    #[test]
    fn the_emails_of_approvals_need_their_values() {
        for kind in [EmailKind::ApprovalRequested, EmailKind::InvitationDenied, EmailKind::JoinRequested] {
            let err = render(kind, None, &ctx()).unwrap_err();
            assert_eq!(err.code(), "invalid_input", "{kind}");
        }
        let no_name = EmailContext { requester_name: None, ..full_ctx() };
        assert_eq!(render(EmailKind::JoinRequested, None, &no_name).unwrap_err().code(), "invalid_input");
        for kind in [EmailKind::JoinApproved, EmailKind::JoinDenied] {
            render(kind, None, &ctx()).unwrap();
        }
    }

    fn thread_ctx() -> EmailContext {
        EmailContext {
            thread_title: Some("Logo redesign".into()), freelancer_name: Some("José Pérez".into()), ..ctx()
        }
    }

    fn custom(subject: &str, text: &str, html: &str) -> TemplateSource {
        TemplateSource { subject: subject.into(), text: text.into(), html: html.into() }
    }

    fn invalid_message(r: Result<impl fmt::Debug>) -> String {
        match r {
            Err(Error::InvalidInput(msg)) => msg,
            other => panic!("expected invalid_input, got {other:?}"),
        }
    }

    #[test]
    fn kind_names_round_trip() {
        for kind in EmailKind::ALL {
            assert_eq!(EmailKind::parse(kind.as_str()).unwrap(), kind);
        }
        assert_eq!(EmailKind::Invitation.as_str(), "invitation");
        assert_eq!(EmailKind::ThreadInvitation.as_str(), "thread_invitation");
        let msg = invalid_message(EmailKind::parse("Invitation"));
        assert_eq!(msg, "unknown email kind `Invitation`");
        assert!(EmailKind::parse("").is_err());
    }

    #[test]
    fn builtin_templates_pass_validation() {
        for kind in EmailKind::ALL {
            let src = TemplateSource {
                subject: builtin_part(kind, Part::Subject).into(),
                text: builtin_part(kind, Part::Text).into(),
                html: builtin_part(kind, Part::Html).into(),
            };
            validate_template(kind, &src).unwrap();
        }
        builtin_env().unwrap();
    }

    #[test]
    fn invitation_without_team_or_message() {
        let email = render(EmailKind::Invitation, None, &ctx()).unwrap();
        assert_eq!(email.to, "bob@acme.com");
        assert_eq!(email.subject, "Alice Smith invited you to join Acme Corp");
        let expected_text = format!(
            "Hi,\n\nAlice Smith invited you to join Acme Corp.\n\n\
             Accept the invitation by opening this link:\n{LINK}\n\n\
             This invitation expires on January 8, 2026 at 00:00 UTC.\n\n\
             If you weren't expecting this invitation, you can ignore this email.\n"
        );
        assert_eq!(email.text, expected_text);
        assert!(email.html.starts_with("<!doctype html>\n<html lang=\"en\">"));
        assert!(email.html.trim_end().ends_with("</html>"));
        assert!(
            email.html.contains("<strong>Alice Smith</strong> invited you to join <strong>Acme Corp</strong>.</p>")
        );
        assert!(email.html.contains(&format!("<a href=\"{LINK}\"")));
        assert!(email.html.contains(&format!(">{LINK}</a>")));
        assert!(email.html.contains("This invitation expires on January 8, 2026 at 00:00 UTC."));
        assert!(email.html.contains("If you weren't expecting this invitation, you can ignore this email."));
        assert!(!email.html.contains("part of the"));
        assert!(!email.html.contains("<blockquote"));
        assert!(!email.text.contains("wrote:"));
        // Inline styles only: no style sheet, no external resources.
        assert!(!email.html.contains("<style"));
        assert!(!email.html.contains("<link"));
    }

    #[test]
    fn invitation_with_team_and_message() {
        let c = EmailContext {
            team_names: vec!["Design".into()],
            message: Some("Welcome aboard!\nSee you Monday.".into()),
            ..ctx()
        };
        let email = render(EmailKind::Invitation, None, &c).unwrap();
        assert_eq!(email.subject, "Alice Smith invited you to join Acme Corp");
        assert!(email.text.contains(
            "Alice Smith invited you to join Acme Corp. You'll be part of the Design team.\n\n\
             Alice Smith wrote:\n\n> Welcome aboard!\n> See you Monday.\n\nAccept the invitation"
        ));
        assert!(email.html.contains("You'll be part of the <strong>Design</strong> team."));
        assert!(email.html.contains(">Welcome aboard!<br>\nSee you Monday.</blockquote>"));
        assert!(!email.text.contains("<br>"));
    }

    #[test]
    fn thread_invitation_with_and_without_team_and_message() {
        let email = render(EmailKind::ThreadInvitation, None, &thread_ctx()).unwrap();
        assert_eq!(email.subject, "Alice Smith invited you to a conversation with José Pérez at Acme Corp");
        assert!(email.text.contains("Alice Smith invited you to a conversation with José Pérez at Acme Corp."));
        assert!(email.text.contains("Conversation: \"Logo redesign\"\n\nAccept the invitation to join Acme Corp"));
        assert!(email.text.contains(&format!("you'll have access to the conversation right away:\n{LINK}\n")));
        assert!(email.text.contains("This invitation expires on January 8, 2026 at 00:00 UTC."));
        assert!(email.text.contains("If you weren't expecting this invitation, you can ignore this email."));
        assert!(!email.text.contains("wrote:"));
        assert!(!email.text.contains("team"));
        assert!(email.html.contains("<strong>Logo redesign</strong>"));
        assert!(email.html.contains("with <strong>José Pérez</strong> at <strong>Acme Corp</strong>"));
        assert!(email.html.contains(&format!("<a href=\"{LINK}\"")));
        assert!(!email.html.contains("<blockquote"));

        let c = EmailContext {
            team_names: vec!["Design".into()],
            message: Some("Can you help with this one?\r\nThanks".into()),
            ..thread_ctx()
        };
        let email = render(EmailKind::ThreadInvitation, None, &c).unwrap();
        assert!(
            email.text.contains(
                "Conversation: \"Logo redesign\"\n\nYou'll be part of the Design team.\n\nAlice Smith wrote:"
            )
        );
        assert!(email.text.contains("Alice Smith wrote:\n\n> Can you help with this one?\n> Thanks\n"));
        assert!(!email.text.contains('\r'));
        assert!(email.html.contains("You'll be part of the <strong>Design</strong> team."));
        assert!(email.html.contains(">Can you help with this one?<br>\nThanks</blockquote>"));
    }

    #[test]
    fn thread_invitation_needs_title_and_freelancer() {
        let msg = invalid_message(render(EmailKind::ThreadInvitation, None, &ctx()));
        assert!(msg.contains("`thread_invitation`"), "{msg}");
    }

    #[test]
    fn hostile_values_are_escaped_in_html_and_plain_in_text() {
        let c = EmailContext {
            inviter_name: format!("Eve {HOSTILE}"),
            organization_name: format!("Org {HOSTILE}"),
            team_names: vec![format!("Team {HOSTILE}")],
            message: Some(format!("Msg {HOSTILE}")),
            thread_title: Some(format!("Title {HOSTILE}")),
            freelancer_name: Some(format!("Free {HOSTILE}")),
            ..ctx()
        };
        for kind in INVITATIONS {
            let email = render(kind, None, &c).unwrap();
            assert!(!email.html.contains("<script"), "{kind}: {}", email.html);
            assert!(!email.html.contains("alert(1)</"), "{kind}");
            for prefix in ["Eve", "Org", "Team", "Msg"] {
                assert!(email.html.contains(&format!("{prefix} {HOSTILE_ESCAPED}")), "{kind}: {prefix}");
                assert!(email.text.contains(&format!("{prefix} {HOSTILE}")), "{kind}: {prefix}");
            }
            assert!(email.subject.contains(&format!("Eve {HOSTILE}")));
            assert!(email.subject.contains(&format!("Org {HOSTILE}")));
        }
        let email = render(EmailKind::ThreadInvitation, None, &c).unwrap();
        for prefix in ["Title", "Free"] {
            assert!(email.html.contains(&format!("{prefix} {HOSTILE_ESCAPED}")), "{prefix}");
            assert!(email.text.contains(&format!("{prefix} {HOSTILE}")), "{prefix}");
        }
    }

    #[test]
    fn template_syntax_in_message_is_printed_literally() {
        let message = "Here: {{ link }} {% for x in range(3) %}x{% endfor %} {# c #}";
        let c = EmailContext { message: Some(message.into()), ..ctx() };
        for kind in INVITATIONS {
            let c = EmailContext { message: Some(message.into()), ..thread_ctx() };
            let email = render(kind, None, &c).unwrap();
            assert!(email.text.contains(&format!("> {message}")), "{kind}");
            assert!(email.html.contains(message), "{kind}");
            // The link appears only where the template puts it, not in the message.
            assert_eq!(email.text.matches(LINK).count(), 1, "{kind}");
        }
        // Also through a host template that prints the message itself.
        let src = custom("{{ message }}", "{{ message }}", "<p>{{ message|nl2br }}</p>");
        let email = render(EmailKind::Invitation, Some(&src), &c).unwrap();
        assert_eq!(email.subject, message);
        assert_eq!(email.text, message);
        assert_eq!(email.html, format!("<p>{message}</p>"));
    }

    #[test]
    fn newlines_become_br_in_html_only() {
        let c = EmailContext { message: Some("one\ntwo\r\nthree\rfour <b>".into()), ..ctx() };
        let email = render(EmailKind::Invitation, None, &c).unwrap();
        assert!(email.html.contains("one<br>\ntwo<br>\nthree<br>\nfour &lt;b&gt;</blockquote>"));
        assert!(email.text.contains("> one\n> two\n> three\n> four <b>\n"));
        assert!(!email.text.contains("<br>"));
        // In a host's text part, nl2br leaves the value alone.
        let src = custom("s", "{{ message|nl2br }}", "{{ message|nl2br }}");
        let email = render(EmailKind::Invitation, Some(&src), &c).unwrap();
        assert_eq!(email.text, "one\ntwo\nthree\nfour <b>");
        assert_eq!(email.html, "one<br>\ntwo<br>\nthree<br>\nfour &lt;b&gt;");
    }

    #[test]
    fn blank_message_is_left_out() {
        let c = EmailContext { message: Some("  \n ".into()), ..ctx() };
        let email = render(EmailKind::Invitation, None, &c).unwrap();
        assert!(!email.text.contains("wrote:"));
        assert!(!email.html.contains("<blockquote"));
    }

    #[test]
    fn subject_is_folded_into_one_line() {
        let src = custom(
            "  Hello\r\nBcc: evil@x.io\t\t{{ inviter_name }}\u{2028}{{ organization_name }}\u{0}\u{85}end \n",
            "t",
            "h",
        );
        let c = EmailContext { inviter_name: "Al\r\nice".into(), ..ctx() };
        let email = render(EmailKind::Invitation, Some(&src), &c).unwrap();
        assert_eq!(email.subject, "Hello Bcc: evil@x.io Al ice Acme Corp end");
        assert!(!email.subject.contains(['\r', '\n', '\t']));

        // Names with line breaks in the built-in subject too.
        let c = EmailContext { organization_name: "Acme\nCorp\r\nX-Header: 1".into(), ..ctx() };
        let email = render(EmailKind::Invitation, None, &c).unwrap();
        assert_eq!(email.subject, "Alice Smith invited you to join Acme Corp X-Header: 1");
    }

    #[test]
    fn subject_is_cut_at_200_characters() {
        let c = EmailContext { organization_name: "é".repeat(500), ..ctx() };
        let email = render(EmailKind::Invitation, None, &c).unwrap();
        assert_eq!(email.subject.chars().count(), 200);
        assert!(email.subject.starts_with("Alice Smith invited you to join éé"));

        // A cut never leaves a trailing space.
        let long = format!("{} {}", "a".repeat(199), "b".repeat(10));
        assert_eq!(fold_subject(&long), "a".repeat(199));
        assert_eq!(fold_subject(&"x".repeat(300)).len(), 200);
        assert_eq!(fold_subject(" \t a \r\n b \u{2029}"), "a b");
    }

    #[test]
    fn empty_subject_is_refused() {
        let src = custom("{{ '' }}\r\n", "t", "h");
        let msg = invalid_message(render(EmailKind::Invitation, Some(&src), &ctx()));
        assert_eq!(msg, "template `invitation.subject` renders an empty subject");
    }

    #[test]
    fn link_appears_in_text_and_html_escaped() {
        let link = "https://acme.example.com/portal/join/ikinv_abc?x=1&y=2";
        let c = EmailContext { link: link.into(), ..ctx() };
        for kind in INVITATIONS {
            let c = EmailContext { link: link.into(), ..thread_ctx() };
            let email = render(kind, None, &c).unwrap();
            assert!(email.text.contains(link));
            let escaped = "https://acme.example.com/portal/join/ikinv_abc?x=1&amp;y=2";
            assert!(email.html.contains(&format!("href=\"{escaped}\"")));
            assert_eq!(email.html.matches(escaped).count(), 3);
            assert!(!email.html.contains(link));
        }
        let email = render(EmailKind::Invitation, None, &c).unwrap();
        assert!(email.text.contains(link));
    }

    #[test]
    fn custom_template_renders_its_own_content() {
        let src = custom(
            "Welcome to {{ organization_name }}, from {{ inviter_name }}",
            "Custom text for {{ to }}: {{ link }}{% if team_name %} ({{ team_name }}){% endif %}",
            "<p class=\"x\">Custom {{ organization_name }}: <a href=\"{{ link }}\">join</a></p>",
        );
        validate_template(EmailKind::Invitation, &src).unwrap();
        let c = EmailContext { organization_name: "A&B".into(), team_names: vec!["Ops".into()], ..ctx() };
        let email = render(EmailKind::Invitation, Some(&src), &c).unwrap();
        assert_eq!(email.subject, "Welcome to A&B, from Alice Smith");
        assert_eq!(email.text, format!("Custom text for bob@acme.com: {LINK} (Ops)"));
        assert_eq!(email.html, format!("<p class=\"x\">Custom A&amp;B: <a href=\"{LINK}\">join</a></p>"));

        let src =
            custom("{{ freelancer_name }} / {{ thread_title }}", "{{ thread_title }}", "<b>{{ thread_title }}</b>");
        validate_template(EmailKind::ThreadInvitation, &src).unwrap();
        let email = render(EmailKind::ThreadInvitation, Some(&src), &thread_ctx()).unwrap();
        assert_eq!(email.subject, "José Pérez / Logo redesign");
        assert_eq!(email.html, "<b>Logo redesign</b>");
    }

    #[test]
    fn syntax_error_is_invalid_input_naming_the_part() {
        let src = custom("ok", "ok", "<p>{% if team_name %}</p>");
        let msg = invalid_message(validate_template(EmailKind::Invitation, &src));
        assert!(msg.starts_with("template `invitation.html` does not compile: syntax error"), "{msg}");
        assert!(msg.contains("(line 1)"), "{msg}");
        let msg = invalid_message(render(EmailKind::Invitation, Some(&src), &ctx()));
        assert!(msg.starts_with("template `invitation.html` does not compile"), "{msg}");

        let src = custom("{{ inviter_name", "ok", "ok");
        let msg = invalid_message(validate_template(EmailKind::ThreadInvitation, &src));
        assert!(msg.starts_with("template `thread_invitation.subject` does not compile"), "{msg}");
        let err = render(EmailKind::ThreadInvitation, Some(&src), &thread_ctx()).unwrap_err();
        assert_eq!(err.code(), "invalid_input");
    }

    #[test]
    fn undefined_variable_is_invalid_input() {
        let src = custom("s", "Hello {{ inviter }}", "h");
        let msg = invalid_message(render(EmailKind::Invitation, Some(&src), &ctx()));
        assert!(msg.starts_with("template `invitation.text` cannot be rendered: undefined value"), "{msg}");
        assert!(msg.contains("inviter"), "{msg}");
        let msg = invalid_message(validate_template(EmailKind::Invitation, &src));
        assert_eq!(msg, "template `invitation.text` uses the unknown variable `inviter`");

        // An attribute of a string is undefined too, and never prints as empty.
        let src = custom("s", "t", "{{ link.token }}");
        let msg = invalid_message(render(EmailKind::Invitation, Some(&src), &ctx()));
        assert!(msg.starts_with("template `invitation.html` cannot be rendered"), "{msg}");

        // Globals, loop variables and `set` are fine.
        let src = custom("s", "{% set n = 2 %}{% for i in range(n) %}{{ loop.index }}{% endfor %}", "h");
        validate_template(EmailKind::Invitation, &src).unwrap();
        assert_eq!(render(EmailKind::Invitation, Some(&src), &ctx()).unwrap().text, "12");
    }

    #[test]
    fn runaway_templates_stop_with_invalid_input() {
        let src = custom("s", "{% for i in range(100000000) %}x{% endfor %}", "h");
        let msg = invalid_message(render(EmailKind::Invitation, Some(&src), &ctx()));
        assert!(msg.starts_with("template `invitation.text` cannot be rendered"), "{msg}");

        let src = custom(
            "s",
            "t",
            "{% for i in range(10000) %}{% for j in range(10000) %}{{ link }}{% endfor %}{% endfor %}",
        );
        let msg = invalid_message(render(EmailKind::Invitation, Some(&src), &ctx()));
        assert!(msg.starts_with("template `invitation.html` cannot be rendered"), "{msg}");
        assert!(msg.contains("fuel"), "{msg}");

        let src = custom("{{ 'x' * 100000000 }}", "t", "h");
        let msg = invalid_message(render(EmailKind::Invitation, Some(&src), &ctx()));
        assert!(msg.starts_with("template `invitation.subject` cannot be rendered"), "{msg}");

        let src = custom("s", "{% include 'invitation.text' %}", "h");
        let msg = invalid_message(render(EmailKind::Invitation, Some(&src), &ctx()));
        assert!(msg.starts_with("template `invitation.text` cannot be rendered"), "{msg}");
    }

    #[test]
    fn render_errors_never_show_the_link() {
        let src = custom("s", "{% include link %}", "h");
        let msg = invalid_message(render(EmailKind::Invitation, Some(&src), &ctx()));
        assert!(msg.starts_with("template `invitation.text` cannot be rendered"), "{msg}");
        assert!(!msg.contains("ikinv_"), "{msg}");
    }

    #[test]
    fn oversized_source_is_refused() {
        let ok = "a".repeat(MAX_SOURCE_BYTES);
        validate_template(EmailKind::Invitation, &custom(&ok, "t", "h")).unwrap();
        let big = "a".repeat(MAX_SOURCE_BYTES + 1);
        let msg = invalid_message(validate_template(EmailKind::Invitation, &custom("s", "t", &big)));
        assert_eq!(msg, "template `invitation.html` is longer than 65536 bytes");
        let msg = invalid_message(render(EmailKind::Invitation, Some(&custom("s", &big, "h")), &ctx()));
        assert_eq!(msg, "template `invitation.text` is longer than 65536 bytes");
    }

    #[test]
    fn debug_never_shows_the_link() {
        let c = EmailContext { message: Some("hi".into()), ..thread_ctx() };
        let email = render(EmailKind::ThreadInvitation, None, &c).unwrap();
        for dbg in [format!("{email:?}"), format!("{email:#?}"), format!("{c:?}"), format!("{c:#?}")] {
            assert!(!dbg.contains("ikinv_"), "{dbg}");
            assert!(!dbg.contains("/join/"), "{dbg}");
        }
        let dbg = format!("{email:?}");
        assert!(dbg.contains("bob@acme.com"));
        assert!(dbg.contains(&email.subject));
        assert!(dbg.contains(&format!("text_len: {}", email.text.len())));
        let dbg = format!("{c:?}");
        assert!(dbg.contains("Alice Smith") && dbg.contains("<redacted>"));
    }

    #[test]
    fn recipient_with_control_characters_is_refused() {
        let c = EmailContext { to: "bob@acme.com\r\nBcc: x@y.z".into(), ..ctx() };
        let msg = invalid_message(render(EmailKind::Invitation, None, &c));
        assert_eq!(msg, "the recipient address contains a control character");
    }

    #[test]
    fn template_source_round_trips_through_serde() {
        fn assert_serde<T: serde::Serialize + serde::de::DeserializeOwned>() {}
        assert_serde::<TemplateSource>();
        fn assert_ser<T: serde::Serialize>() {}
        assert_ser::<EmailContext>();
    }
}
