#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The scenario suite (`tests/scenarios/*.json` at the repository root, format
//! in `tests/scenarios/README.md`), run through the Rust API.
//!
//! The same files are run by `bindings-python/tests/test_scenarios.py` and
//! `bindings-node/__test__/scenarios.test.mjs`: a scenario that passes in one
//! language and fails in another fails the test command. Every scenario runs
//! on the in-memory store and on a new SQLite file.
//!
//! The runner is a table from an operation's name to a call of the
//! [`InviteKit`] method of that name; results are turned into the JSON
//! objects the bindings show (snake_case fields, ids as strings, times as
//! RFC 3339 with milliseconds) and compared with the scenario's expectations.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use invitekit::*;
use serde_json::{Map, Value, json};

/// One scenario: its file's `setup` steps, then its own.
struct Scenario {
    id: String,
    policy: Option<Value>,
    steps: Vec<Value>,
}

fn scenario_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/scenarios")
}

/// Fails on a key the format (tests/scenarios/README.md) does not know, so
/// that a misspelt one (`"expected"`) cannot make a step check nothing. The
/// three runners read the same files, so checking them here checks them all.
fn known_keys(what: &str, value: &Value, known: &[&str]) {
    let Some(object) = value.as_object() else { panic!("{what}: not an object") };
    for key in object.keys() {
        assert!(known.contains(&key.as_str()), "{what}: unknown key `{key}` (the keys are {known:?})");
    }
}

const STEP_KEYS: [&str; 8] = ["op", "args", "opts", "save", "expect", "error", "error_fields", "note"];

fn load_scenarios() -> Vec<Scenario> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(scenario_dir())
        .expect("tests/scenarios/ at the repository root")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut out: Vec<Scenario> = Vec::new();
    for file in files {
        let stem = file.file_stem().unwrap().to_string_lossy().into_owned();
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        known_keys(&stem, &doc, &["description", "setup", "scenarios"]);
        let setup = doc.get("setup").and_then(Value::as_array).cloned().unwrap_or_default();
        for (i, step) in setup.iter().enumerate() {
            known_keys(&format!("{stem}: setup step {i}"), step, &STEP_KEYS);
        }
        for sc in doc["scenarios"].as_array().unwrap_or_else(|| panic!("{stem}: no `scenarios` list")) {
            let name = sc["name"].as_str().unwrap_or_else(|| panic!("{stem}: a scenario without a name"));
            known_keys(&format!("{stem}/{name}"), sc, &["name", "description", "policy", "steps"]);
            for (i, step) in sc["steps"].as_array().into_iter().flatten().enumerate() {
                known_keys(&format!("{stem}/{name}: step {i}"), step, &STEP_KEYS);
            }
            assert!(sc["description"].is_string(), "{stem}/{name}: no description");
            let mut steps = setup.clone();
            steps.extend(sc["steps"].as_array().unwrap_or_else(|| panic!("{stem}/{name}: no steps")).iter().cloned());
            let id = format!("{stem}/{name}");
            assert!(out.iter().all(|s| s.id != id), "two scenarios named {id}");
            out.push(Scenario { id, policy: sc.get("policy").cloned(), steps });
        }
    }
    assert!(!out.is_empty(), "no scenario found in {}", scenario_dir().display());
    out
}

fn run_all(store_url: impl Fn() -> String) {
    let scenarios = load_scenarios();
    let mut failures = Vec::new();
    for sc in &scenarios {
        let problems = run_scenario(sc, &store_url());
        if !problems.is_empty() {
            failures.push(format!("{}:\n    {}", sc.id, problems.join("\n    ")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} scenarios failed:\n{}",
        failures.len(),
        scenarios.len(),
        failures.join("\n")
    );
}

#[test]
fn every_scenario_passes_on_the_memory_store() {
    run_all(|| "memory:".to_owned());
}

#[test]
fn every_scenario_passes_on_a_sqlite_file() {
    run_all(|| format!("sqlite:{}", common::temp_db_path().display()));
}

// ---------------------------------------------------------------------------
// Running one scenario
// ---------------------------------------------------------------------------

struct Run {
    clock: ManualClock,
    kit: InviteKit<AnyStore>,
    saved: HashMap<String, Value>,
    drafts: HashMap<String, Draft>,
    /// The draft of the last `draft_invitation`, kept under the step's `save` name.
    last_draft: Option<Draft>,
}

/// Runs every step; returns what went wrong (empty when the scenario passes).
/// A mismatch is noted and the run goes on; an unexpected error stops it.
fn run_scenario(sc: &Scenario, url: &str) -> Vec<String> {
    let clock = ManualClock::new();
    let mut builder = InviteKit::builder().clock(clock.clone());
    if let Some(p) = &sc.policy {
        builder = builder.policy(Policy::from_json(&p.to_string()).expect("the scenario's policy"));
    }
    let kit = builder.open(url).unwrap_or_else(|e| panic!("{}: cannot open {url}: {e}", sc.id));
    let mut run = Run { clock, kit, saved: HashMap::new(), drafts: HashMap::new(), last_draft: None };
    let mut problems = Vec::new();
    for (i, step) in sc.steps.iter().enumerate() {
        let op = step["op"].as_str().unwrap_or_else(|| panic!("{}: step {i} has no op", sc.id));
        let at = format!("step {i} ({op})");
        let raw_args = step.get("args").and_then(Value::as_array).cloned().unwrap_or_default();
        let args: Vec<Value> = raw_args.iter().map(|a| run.resolve(a)).collect();
        let opts = match step.get("opts").map(|o| run.resolve(o)) {
            Some(Value::Object(m)) => m,
            None => Map::new(),
            Some(other) => panic!("{}: {at}: opts must be an object, not {other}", sc.id),
        };
        let outcome = run.call(op, &raw_args, &args, &opts);
        match (step.get("error").and_then(Value::as_str), outcome) {
            (Some(code), Err(e)) => {
                if e.code() != code {
                    problems.push(format!("{at}: expected error {code}, got {} ({e})", e.code()));
                } else if let Some(fields) = step.get("error_fields") {
                    let expected = run.resolve(fields);
                    check(&expected, &error_fields(&e), &format!("{at}: error"), &mut problems);
                }
            }
            (Some(code), Ok(v)) => {
                problems.push(format!("{at}: expected error {code}, got success: {v}"));
                return problems;
            }
            (None, Err(e)) => {
                problems.push(format!("{at}: unexpected error {}: {e}", e.code()));
                return problems;
            }
            (None, Ok(v)) => {
                if let Some(exp) = step.get("expect") {
                    let expected = run.resolve(exp);
                    check(&expected, &v, &at, &mut problems);
                }
                if let Some(name) = step.get("save").and_then(Value::as_str) {
                    if let Some(d) = run.last_draft.take() {
                        run.drafts.insert(name.to_owned(), d);
                    }
                    run.saved.insert(name.to_owned(), v);
                }
                run.last_draft = None;
            }
        }
    }
    problems
}

impl Run {
    /// Replaces every `"$name.path"` string in `v` with the saved value it names.
    fn resolve(&self, v: &Value) -> Value {
        match v {
            Value::String(s) if s.starts_with("$$") => Value::String(s[1..].to_owned()),
            Value::String(s) if s.starts_with('$') => {
                let mut parts = s[1..].split('.');
                let name = parts.next().unwrap_or_default();
                let mut cur =
                    self.saved.get(name).unwrap_or_else(|| panic!("`{s}`: nothing was saved as `{name}`")).clone();
                for p in parts {
                    cur = match (&cur, p.parse::<usize>()) {
                        (Value::Array(a), Ok(i)) => a.get(i).cloned(),
                        (Value::Object(o), _) => o.get(p).cloned(),
                        _ => None,
                    }
                    .unwrap_or_else(|| panic!("`{s}`: no `{p}` in {cur}"));
                }
                cur
            }
            Value::Array(a) => Value::Array(a.iter().map(|x| self.resolve(x)).collect()),
            Value::Object(o) => Value::Object(o.iter().map(|(k, x)| (k.clone(), self.resolve(x))).collect()),
            other => other.clone(),
        }
    }

    /// The native draft a `"$name"` argument names.
    fn draft(&self, raw: Option<&Value>) -> &Draft {
        let name = raw.and_then(Value::as_str).and_then(|s| s.strip_prefix('$')).expect("a `$name` of a saved draft");
        self.drafts.get(name).unwrap_or_else(|| panic!("no draft saved as `{name}`"))
    }

    /// The operation table: one line per operation, in the API's argument order.
    fn call(&mut self, op: &str, raw: &[Value], a: &[Value], o: &Map<String, Value>) -> Result<Value> {
        // The options each operation takes (every key of `set_organization_settings`
        // is a setting, checked by the core); anything else is a mistake in a scenario.
        let allowed: &[&str] = match op {
            "create_organization" => &["allowed_domains"],
            "draft_invitation" | "invite_many" => {
                &["message", "team", "teams", "role", "metadata", "private_metadata", "redirect_url"]
            }
            "send_invitation" => &["deliver"],
            "list_invitations" | "list_join_requests" => &["status"],
            "deny_invitation" | "deny_join_request" => &["reason"],
            "search_threads" => &["limit", "cursor"],
            "find_coworkers" | "outbox_pending" => &["limit"],
            "add_to_thread" | "change_permissions" => &["preset", "permissions"],
            "invite_to_thread" => &["preset", "permissions", "message", "metadata", "private_metadata", "redirect_url"],
            "events" => &["after_seq", "limit"],
            _ => &[],
        };
        for key in o.keys() {
            assert!(
                op == "set_organization_settings" || allowed.contains(&key.as_str()),
                "{op}: unknown option `{key}`"
            );
        }
        let k = &self.kit;
        Ok(match op {
            // Steps that are not InviteKit methods.
            "advance_clock" => {
                self.clock.advance(a[0].as_i64().expect("seconds"));
                Value::Null
            }
            "preview" => email_json(&self.draft(raw.first()).preview()),
            "link_in" => Value::String(link_in(s(a, 0))),
            "open" => {
                InviteKit::open(s(a, 0))?;
                Value::Null
            }
            // Organizations and members.
            "create_organization" => {
                let domains: Vec<String> = o.get("allowed_domains").map(strings).unwrap_or_default();
                js(k.create_organization(s(a, 0), s(a, 1), s(a, 2), &domains)?)
            }
            "get_organization" => js(k.get_organization(id(a, 0)?)?),
            "set_organization_settings" => {
                let update = SettingsUpdate::from_value(Value::Object(o.clone()))?;
                js(k.set_organization_settings(id(a, 0)?, id(a, 1)?, &update)?)
            }
            "add_member" => js(k.add_member(id(a, 0)?, s(a, 1), s(a, 2), s(a, 3))?),
            "get_member" => js(k.get_member(id(a, 0)?)?),
            "list_members" => js(k.list_members(id(a, 0)?)?),
            "set_role" => js(k.set_role(id(a, 0)?, id(a, 1)?, s(a, 2))?),
            "deactivate_member" => js(k.deactivate_member(id(a, 0)?, id(a, 1)?)?),
            "reactivate_member" => js(k.reactivate_member(id(a, 0)?, id(a, 1)?)?),
            "create_team" => js(k.create_team(id(a, 0)?, s(a, 1))?),
            // Invitations.
            "draft_invitation" => {
                let d = k.draft_invitation(id(a, 0)?, s(a, 1), invite_options(o)?)?;
                let v = draft_json(&d);
                self.last_draft = Some(d);
                v
            }
            "send_invitation" => {
                let deliver = o.get("deliver").map(|d| d.as_bool().expect("deliver: a boolean")).unwrap_or(true);
                invitation_json(&k.send_invitation(self.draft(raw.first()), deliver)?)
            }
            "invite_many" => {
                let emails = strings(&a[1]);
                Value::Array(
                    k.invite_many(id(a, 0)?, &emails, invite_options(o)?)?
                        .iter()
                        .map(|r| {
                            json!({
                                "email": r.email,
                                "invitation": r.invitation.as_ref().map(invitation_json),
                                "error": r.error.as_ref().map(Error::code),
                                "error_message": r.error.as_ref().map(Error::to_string),
                            })
                        })
                        .collect(),
                )
            }
            "peek_invitation" => {
                let p = k.peek_invitation(s(a, 0))?;
                json!({
                    "organization_name": p.organization_name,
                    "inviter_name": p.inviter_name,
                    "team_names": p.team_names,
                    "email": p.email,
                    "expires_at": js(p.expires_at),
                    "metadata": p.metadata,
                    "redirect_url": p.redirect_url,
                })
            }
            "accept_invitation" => {
                let acc = k.accept_invitation(s(a, 0), s(a, 1), s(a, 2))?;
                json!({
                    "member": js(&acc.member),
                    "invitation": invitation_json(&acc.invitation),
                    "dropped_grants": js(&acc.dropped_grants),
                    "redirect_url": acc.redirect_url,
                })
            }
            "decline_invitation" => invitation_json(&k.decline_invitation(s(a, 0), s(a, 1))?),
            "revoke_invitation" => invitation_json(&k.revoke_invitation(id(a, 0)?, id(a, 1)?)?),
            "resend_invitation" => {
                let r = k.resend_invitation(id(a, 0)?, id(a, 1)?)?;
                json!({"invitation": invitation_json(&r.invitation), "link": r.link})
            }
            "list_invitations" => {
                let status = o.get("status").and_then(Value::as_str).map(InvitationStatus::parse).transpose()?;
                Value::Array(k.list_invitations(id(a, 0)?, status)?.iter().map(invitation_json).collect())
            }
            "invitations_for_email" => {
                Value::Array(k.invitations_for_email(s(a, 0))?.iter().map(invitation_json).collect())
            }
            "approve_invitation" => invitation_json(&k.approve_invitation(id(a, 0)?, id(a, 1)?)?),
            "deny_invitation" => invitation_json(&k.deny_invitation(id(a, 0)?, id(a, 1)?, reason(o))?),
            // Joining by domain, and verified domains.
            "join_by_domain" => js(k.join_by_domain(id(a, 0)?, s(a, 1), s(a, 2))?),
            "list_join_requests" => {
                let status = o.get("status").and_then(Value::as_str).map(JoinRequestStatus::parse).transpose()?;
                js(k.list_join_requests(id(a, 0)?, status)?)
            }
            "approve_join_request" => js(k.approve_join_request(id(a, 0)?, id(a, 1)?)?),
            "deny_join_request" => js(k.deny_join_request(id(a, 0)?, id(a, 1)?, reason(o))?),
            "start_domain_verification" => js(k.start_domain_verification(id(a, 0)?, id(a, 1)?, s(a, 2))?),
            "verify_domain" => js(k.verify_domain(id(a, 0)?, id(a, 1)?, s(a, 2), &strings(&a[3]))?),
            "list_domains" => js(k.list_domains(id(a, 0)?, id(a, 1)?)?),
            // Conversations.
            "start_thread" => js(k.start_thread(id(a, 0)?, s(a, 1), s(a, 2), s(a, 3))?),
            "post_message" => message_json(&k.post_message(id(a, 0)?, id(a, 1)?, s(a, 2))?),
            "post_freelancer_message" => message_json(&k.post_freelancer_message(id(a, 0)?, s(a, 1))?),
            "search_threads" => {
                let limit = o.get("limit").map_or(20, usize_of);
                let cursor = o.get("cursor").and_then(Value::as_str);
                let page = k.search_threads(id(a, 0)?, s(a, 1), limit, cursor)?;
                json!({"threads": js(&page.threads), "next_cursor": page.next_cursor})
            }
            "people" => {
                let p = k.people(id(a, 0)?, id(a, 1)?)?;
                json!({
                    "freelancer_id": p.freelancer_id,
                    "freelancer_name": p.freelancer_name,
                    "participants": p.participants.iter().map(participant_json).collect::<Vec<_>>(),
                })
            }
            "find_coworkers" => js(k.find_coworkers(id(a, 0)?, s(a, 1), o.get("limit").map_or(10, usize_of))?),
            "permission_options" => js(k.permission_options(id(a, 0)?, id(a, 1)?)?),
            "add_to_thread" => participant_json(&k.add_to_thread(id(a, 0)?, id(a, 1)?, id(a, 2)?, &grant(o)?)?),
            "invite_to_thread" => {
                let r = k.invite_to_thread(id(a, 0)?, id(a, 1)?, s(a, 2), &grant(o)?, invite_options(o)?)?;
                json!({
                    "kind": r.kind.as_str(),
                    "participant": r.participant.as_ref().map(participant_json),
                    "invitation": r.invitation.as_ref().map(invitation_json),
                })
            }
            "change_permissions" => {
                participant_json(&k.change_permissions(id(a, 0)?, id(a, 1)?, id(a, 2)?, &grant(o)?)?)
            }
            "remove_from_thread" => {
                k.remove_from_thread(id(a, 0)?, id(a, 1)?, id(a, 2)?)?;
                Value::Null
            }
            "leave_thread" => {
                k.leave_thread(id(a, 0)?, id(a, 1)?)?;
                Value::Null
            }
            // Outbox and events.
            "outbox_pending" => Value::Array(
                k.outbox_pending(o.get("limit").map_or(100, usize_of))?.iter().map(outgoing_json).collect(),
            ),
            "outbox_ack" => {
                k.outbox_ack(id(a, 0)?)?;
                Value::Null
            }
            "outbox_fail" => {
                k.outbox_fail(id(a, 0)?, s(a, 1))?;
                Value::Null
            }
            "events" => {
                let after = o.get("after_seq").map(|v| v.as_u64().expect("after_seq: a number"));
                js(k.events(id(a, 0)?, after, o.get("limit").map_or(100, usize_of))?)
            }
            other => panic!("unknown operation `{other}`"),
        })
    }
}

// ---------------------------------------------------------------------------
// Arguments
// ---------------------------------------------------------------------------

fn s(a: &[Value], i: usize) -> &str {
    a.get(i).and_then(Value::as_str).unwrap_or_else(|| panic!("argument {i} must be a string: {a:?}"))
}

/// An id argument, parsed as the bindings parse it (a malformed id is `invalid_input`).
fn id<T: std::str::FromStr<Err = Error>>(a: &[Value], i: usize) -> Result<T> {
    s(a, i).parse()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array().expect("a list of strings").iter().map(|x| x.as_str().expect("a list of strings").to_owned()).collect()
}

fn usize_of(v: &Value) -> usize {
    usize::try_from(v.as_u64().expect("a count")).unwrap()
}

fn invite_options(o: &Map<String, Value>) -> Result<InviteOptions> {
    let mut opts = InviteOptions::new();
    if let Some(m) = o.get("message").and_then(Value::as_str) {
        opts = opts.message(m);
    }
    if let Some(t) = o.get("team").and_then(Value::as_str) {
        opts = opts.team(t.parse()?);
    }
    if let Some(ts) = o.get("teams") {
        opts = opts.teams(strings(ts).iter().map(|t| t.parse()).collect::<Result<Vec<_>>>()?);
    }
    if let Some(r) = o.get("role").and_then(Value::as_str) {
        opts = opts.role(r);
    }
    if let Some(m) = o.get("metadata") {
        opts = opts.metadata(m.clone());
    }
    if let Some(m) = o.get("private_metadata") {
        opts = opts.private_metadata(m.clone());
    }
    if let Some(u) = o.get("redirect_url").and_then(Value::as_str) {
        opts = opts.redirect_url(u);
    }
    Ok(opts)
}

/// A denial's optional `reason`.
fn reason(o: &Map<String, Value>) -> Option<&str> {
    o.get("reason").map(|r| r.as_str().expect("reason: a string"))
}

fn grant(o: &Map<String, Value>) -> Result<Grant> {
    let permissions = o.get("permissions").map(strings);
    Grant::from_options(o.get("preset").and_then(Value::as_str), permissions.as_deref())
}

// ---------------------------------------------------------------------------
// Results, as the bindings show them
// ---------------------------------------------------------------------------

fn js<T: serde::Serialize>(v: T) -> Value {
    serde_json::to_value(v).unwrap()
}

fn invitation_json(i: &Invitation) -> Value {
    js(i)
}

fn email_json(e: &Email) -> Value {
    json!({"to": e.to, "subject": e.subject, "text": e.text, "html": e.html})
}

fn draft_json(d: &Draft) -> Value {
    json!({
        "email": d.email(),
        "link": d.link(),
        "expires_at": js(d.expires_at()),
        "invitation_id": js(d.invitation_id()),
        "role": d.role(),
        "team_ids": js(d.team_ids()),
        "message": d.message(),
        "metadata": d.metadata(),
        "private_metadata": d.private_metadata(),
        "redirect_url": d.redirect_url(),
        "needs_approval": d.needs_approval(),
    })
}

fn message_json(m: &Message) -> Value {
    let author_id = match m.author {
        Author::Member(id) => js(id),
        Author::Freelancer => Value::Null,
    };
    json!({"id": js(m.id), "thread_id": js(m.thread_id), "author_id": author_id, "body": m.body, "sent_at": js(m.sent_at)})
}

fn participant_json(p: &ParticipantInfo) -> Value {
    json!({"member_id": js(p.member_id), "name": p.name, "permissions": js(p.permissions)})
}

fn outgoing_json(e: &OutgoingEmail) -> Value {
    json!({
        "id": js(e.id),
        "org_id": js(e.org_id),
        "kind": e.kind.as_str(),
        "invitation_id": js(e.invitation_id),
        "to": e.to,
        "subject": e.subject,
        "text": e.text,
        "html": e.html,
        "created_at": js(e.created_at),
        "attempts": e.attempts,
        "status": e.status.as_str(),
        "next_attempt_at": js(e.next_attempt_at),
        "last_error": e.last_error,
    })
}

/// The details an error carries, under the names the bindings give them.
fn error_fields(e: &Error) -> Value {
    match e {
        Error::DomainNotAllowed { domain } => json!({"domain": domain}),
        Error::PermissionDenied { check, .. } => json!({"check": check.map(GrantCheck::as_str)}),
        Error::AlreadyInvited { invitation_id, .. } => json!({"invitation_id": js(invitation_id)}),
        Error::InvitationNotPending { status } => json!({"status": status}),
        Error::RateLimited { retry_at, .. } => json!({"retry_at": js(retry_at)}),
        _ => json!({}),
    }
}

/// The first join link (`https://.../join/ikinv_...`) in `text`, as a user clicks it in an email.
fn link_in(text: &str) -> String {
    let at = text.find("/join/ikinv_").unwrap_or_else(|| panic!("no join link in {text:?}"));
    let start = text[..at].rfind("https://").expect("a join link starts with https://");
    let token_start = at + "/join/".len();
    let len = text[token_start..]
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(text.len() - token_start);
    text[start..token_start + len].to_owned()
}

// ---------------------------------------------------------------------------
// Expectations
// ---------------------------------------------------------------------------

/// Compares `actual` with `expected` (docs: tests/scenarios/README.md): objects
/// by the fields named, lists element by element, `{"$len": n}`,
/// `{"$contains": x}`, `{"$not_contains": x}`, `{"$starts_with": s}` and
/// `{"$ne": x}` as matchers, anything else by equality.
fn check(expected: &Value, actual: &Value, at: &str, problems: &mut Vec<String>) {
    let mut fail = |what: String| problems.push(format!("{at}: {what}"));
    match expected {
        Value::Object(m) if m.len() == 1 && m.keys().all(|k| k.starts_with('$')) => {
            let (op, arg) = m.iter().next().unwrap();
            let ok = match op.as_str() {
                "$len" => match actual {
                    Value::Array(a) => Some(a.len() as u64) == arg.as_u64(),
                    _ => false,
                },
                "$contains" => contains(actual, arg),
                "$not_contains" => !contains(actual, arg),
                "$starts_with" => actual.as_str().zip(arg.as_str()).is_some_and(|(a, p)| a.starts_with(p)),
                "$ne" => !matches(arg, actual),
                other => panic!("{at}: unknown matcher `{other}`"),
            };
            if !ok {
                fail(format!("expected {expected}, got {}", show(actual)));
            }
        }
        Value::Object(m) => match actual {
            Value::Object(a) => {
                for (key, exp) in m {
                    match a.get(key) {
                        Some(v) => check(exp, v, &format!("{at}.{key}"), problems),
                        None => problems.push(format!(
                            "{at}: no field `{key}` (fields: {})",
                            a.keys().cloned().collect::<Vec<_>>().join(", ")
                        )),
                    }
                }
            }
            _ => fail(format!("expected an object {expected}, got {}", show(actual))),
        },
        Value::Array(e) => match actual {
            Value::Array(a) if a.len() == e.len() => {
                for (i, (x, y)) in e.iter().zip(a).enumerate() {
                    check(x, y, &format!("{at}[{i}]"), problems);
                }
            }
            _ => fail(format!("expected {expected}, got {}", show(actual))),
        },
        Value::Number(n) => {
            if actual.as_f64() != n.as_f64() {
                fail(format!("expected {expected}, got {}", show(actual)));
            }
        }
        _ => {
            if expected != actual {
                fail(format!("expected {expected}, got {}", show(actual)));
            }
        }
    }
}

fn show(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 300 { format!("{}…", s.chars().take(300).collect::<String>()) } else { s }
}

fn matches(expected: &Value, actual: &Value) -> bool {
    let mut p = Vec::new();
    check(expected, actual, "", &mut p);
    p.is_empty()
}

/// A string containing a string, or a list with an element that matches.
fn contains(actual: &Value, x: &Value) -> bool {
    match (actual, x) {
        (Value::String(a), Value::String(x)) => a.contains(x.as_str()),
        (Value::Array(a), _) => a.iter().any(|y| matches(x, y)),
        _ => false,
    }
}
