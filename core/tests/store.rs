//! The store conformance suite (docs/rules.md#stores): every [`Store`] answers
//! every storage question the same way. One generic suite, [`conformance`],
//! talks to the `Store` / `ReadTx` / `WriteTx` traits directly, with records
//! built from the public types, and runs on the memory store, on SQLite (a
//! new file in WAL mode, and an in-memory database) and on PostgreSQL (a new
//! schema). It checks:
//!
//! - inserts: a taken id is `conflict` for every kind of row, a taken key
//!   (slug, email key, team name in any case, token hash) is `conflict` or
//!   `already_member`, a participant already there is `already_participant`,
//!   and the refused write changes nothing;
//! - updates: of a missing row `not_found`; the conditional invitation update
//!   writes only over the expected status and moves the token; the
//!   conditional join request update writes only over the expected status, in
//!   the request's organization, and keeps the stored address; a domain
//!   verification put again for its organization and domain replaces it;
//! - reads: every field comes back as written, in the orders the trait
//!   documents, and an organization never sees another's rows;
//! - transactions: a write closure that fails or panics leaves nothing behind
//!   and the store goes on working;
//! - the send log and the searches: seeded random writes give the same
//!   answers as on a [`MemoryStore`].
//!
//! Every check runs on a new store, and every check runs even when an earlier
//! one failed: a failing test lists each failed check with what it saw.
//!
//! `cargo test -p invitekit --test store` runs it on memory and SQLite. The
//! `postgres` test needs a server, `INVITEKIT_TEST_POSTGRES_URL` (see
//! `scripts/start-postgres`); without one it prints why and passes, except in
//! CI (`CI` set), where it fails.
//!
//! The trait methods about to change are called only through the wrappers
//! at the top ([`find`], [`record`], [`cancel`], ...), so that a change of
//! signature is one edit there.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::any::Any;
use std::fmt::Debug;
use std::panic::{AssertUnwindSafe, catch_unwind};

use invitekit::events::NewEvent;
use invitekit::search::{coworker_terms, words};
use invitekit::store::{ReadTx, SendKey, Store, WriteTx};
use invitekit::threads::ThreadCursor;
use invitekit::token::TokenHash;
use invitekit::*;

// ---------------------------------------------------------------------------
// The trait methods about to change, each called only from here
// ---------------------------------------------------------------------------

/// The members of `org` having, for every term, a word starting with it (the
/// store answers one term at a time), oldest first, at most `limit`.
fn find(tx: &dyn ReadTx, org: OrgId, terms: &[String], limit: usize) -> Result<Vec<Member>> {
    let Some((first, rest)) = terms.split_first() else { return Ok(Vec::new()) };
    let mut found = tx.members_with_word(org, first)?;
    for term in rest {
        let also: Vec<MemberId> = tx.members_with_word(org, term)?.into_iter().map(|m| m.id).collect();
        found.retain(|m| also.contains(&m.id));
    }
    found.truncate(limit);
    Ok(found)
}

/// Counts one send at `at` under each of `keys` (what lies more than two
/// days back may be forgotten).
fn record(tx: &mut dyn WriteTx, org: OrgId, keys: &[SendKey], at: Timestamp) -> Result<()> {
    tx.record_send(org, keys, at, at.plus_secs(-48 * 3600))
}

/// Cancels the pending emails of `invitation`, clearing their bodies, as the
/// outbox does: through `pending_emails_for` and `update_email`.
fn cancel(tx: &mut dyn WriteTx, invitation: InvitationId) -> Result<()> {
    for mut e in tx.pending_emails_for(invitation)? {
        e.status = OutboxStatus::Cancelled;
        e.text.clear();
        e.html.clear();
        tx.update_email(&e)?;
    }
    Ok(())
}

/// A page of `member`'s readable threads matching `terms`, newest activity first.
fn search(
    tx: &dyn ReadTx,
    member: MemberId,
    terms: &[String],
    after: Option<&ThreadCursor>,
    limit: usize,
) -> Result<Vec<Thread>> {
    tx.search_threads(member, terms, after, limit)
}

/// When the `nth` latest send `key` counts since `since` happened.
fn nth_latest(tx: &dyn ReadTx, org: OrgId, key: &SendKey, since: Timestamp, nth: usize) -> Result<Option<Timestamp>> {
    tx.nth_latest_send(org, key, since, nth)
}

/// The times of the sends `key` counts since `since`, oldest first.
fn times(tx: &dyn ReadTx, org: OrgId, key: &SendKey, since: Timestamp) -> Result<Vec<Timestamp>> {
    tx.send_times(org, key, since)
}

// ---------------------------------------------------------------------------
// The stores
// ---------------------------------------------------------------------------

#[test]
fn memory() {
    conformance(MemoryStore::new);
}

#[cfg(feature = "sqlite")]
#[test]
fn sqlite() {
    let mut failed = failed_checks("SQLite file", || {
        let store = SqliteStore::open(common::temp_db_path()).unwrap();
        assert!(store.path().is_some());
        store
    });
    failed.extend(failed_checks("SQLite in memory", || SqliteStore::open_in_memory().unwrap()));
    report(failed);
}

#[cfg(feature = "postgres")]
#[test]
fn postgres() {
    let Some(server) = common::postgres_server_or_skip() else { return };
    conformance(|| PostgresStore::open_with_max_connections(&common::postgres_schema_url(&server), 4).unwrap());
}

/// Runs every check, each on a new store from `open`, and fails with the list of those that failed.
fn conformance<S: Store>(open: impl Fn() -> S) {
    let name = std::any::type_name::<S>().rsplit("::").next().unwrap_or("store");
    report(failed_checks(name, open));
}

fn report(failed: Vec<String>) {
    assert!(failed.is_empty(), "{} failed check(s):\n\n{}", failed.len(), failed.join("\n\n"));
}

/// A check, by name: it fails by panicking.
type Check<S> = (&'static str, fn(&S));

/// The checks that fail on stores from `open`, each with its message.
fn failed_checks<S: Store>(store_name: &str, open: impl Fn() -> S) -> Vec<String> {
    let checks: [Check<S>; 13] = [
        ("a_taken_id_or_key_is_refused", a_taken_id_or_key_is_refused),
        ("updates_of_missing_rows_are_not_found", updates_of_missing_rows_are_not_found),
        ("invitation_updates_are_conditional", invitation_updates_are_conditional),
        ("join_request_updates_are_conditional", join_request_updates_are_conditional),
        ("reads_return_what_was_written", reads_return_what_was_written),
        ("reads_come_in_the_documented_order", reads_come_in_the_documented_order),
        ("cancelling_an_invitations_emails", cancelling_an_invitations_emails),
        ("another_organizations_rows_are_not_seen", another_organizations_rows_are_not_seen),
        ("a_failed_write_leaves_nothing_behind", a_failed_write_leaves_nothing_behind),
        ("a_panicking_write_is_rolled_back", a_panicking_write_is_rolled_back),
        ("send_windows_match_the_memory_store", send_windows_match_the_memory_store),
        ("search_and_find_match_the_memory_store", search_and_find_match_the_memory_store),
        (
            "search_past_the_sqlite_walk_limit_matches_the_memory_store",
            search_past_the_sqlite_walk_limit_matches_the_memory_store,
        ),
    ];
    let mut failed = Vec::new();
    for (name, check) in checks {
        let store = open();
        if let Err(panic) = catch_unwind(AssertUnwindSafe(|| check(&store))) {
            failed.push(format!("{store_name}: {name}: {}", panic_message(&*panic)));
        }
    }
    failed
}

fn panic_message(panic: &(dyn Any + Send)) -> String {
    match (panic.downcast_ref::<String>(), panic.downcast_ref::<&str>()) {
        (Some(s), _) => s.clone(),
        (None, Some(s)) => (*s).to_owned(),
        (None, None) => "a panic without a message".to_owned(),
    }
}

// ---------------------------------------------------------------------------
// Records and small helpers
// ---------------------------------------------------------------------------

/// Times have odd milliseconds, so that a store that rounds them shows.
fn at(ms: i64) -> Timestamp {
    Timestamp::from_millis(ManualClock::START.as_millis() + ms)
}

const HOUR_MS: i64 = 3_600_000;

fn new_org(slug: &str) -> Organization {
    Organization {
        id: OrgId::new(),
        name: format!("Org {slug}"),
        slug: slug.into(),
        portal_url: format!("https://{slug}.example.com/portal"),
        allowed_domains: vec![],
        settings: OrgSettings::default(),
        created_at: at(1),
    }
}

fn new_member(org: &Organization, email: &str, name: &str) -> Member {
    Member {
        id: MemberId::new(),
        org_id: org.id,
        email: email.into(),
        name: name.into(),
        role: "member".into(),
        team_ids: vec![],
        status: MemberStatus::Active,
        joined_at: at(2),
    }
}

fn new_team(org: &Organization, name: &str) -> Team {
    Team { id: TeamId::new(), org_id: org.id, name: name.into() }
}

fn new_invitation(org: &Organization, inviter: &Member, email: &str, created: Timestamp) -> Invitation {
    Invitation {
        id: InvitationId::new(),
        org_id: org.id,
        inviter_id: inviter.id,
        email: email.into(),
        message: None,
        team_ids: vec![],
        role: "member".into(),
        status: InvitationStatus::Pending,
        created_at: created,
        expires_at: created.plus_secs(7 * 86_400),
        sent_count: 1,
        last_sent_at: created,
        thread_grants: vec![],
        delivered: false,
        metadata: Default::default(),
        private_metadata: Default::default(),
        redirect_url: None,
    }
}

fn new_email(org: &Organization, invitation: Option<InvitationId>, to: &str, due: Timestamp) -> OutgoingEmail {
    OutgoingEmail {
        id: EmailId::new(),
        org_id: org.id,
        kind: EmailKind::Invitation,
        invitation_id: invitation,
        to: to.into(),
        subject: "Join Acme".into(),
        text: "Join: https://acme.example.com/portal?token=secret".into(),
        html: "<p>Join <a href=\"https://acme.example.com/portal?token=secret\">here</a></p>".into(),
        created_at: due,
        attempts: 0,
        status: OutboxStatus::Pending,
        next_attempt_at: due,
        last_error: None,
    }
}

fn new_thread(org: &Organization, creator: &Member, title: &str, created: Timestamp) -> Thread {
    Thread {
        id: ThreadId::new(),
        org_id: org.id,
        title: title.into(),
        freelancer_id: format!("fl-{title}"),
        freelancer_name: "Zoë Freelance".into(),
        created_by: creator.id,
        created_at: created,
        last_activity_at: created,
    }
}

fn seat(thread: &Thread, member: &Member, permissions: PermissionSet) -> Participant {
    Participant { thread_id: thread.id, member_id: member.id, permissions, added_by: None, added_at: thread.created_at }
}

fn new_message(thread: &Thread, body: &str, sent: Timestamp) -> Message {
    Message {
        id: MessageId::new(),
        thread_id: thread.id,
        org_id: thread.org_id,
        author: Author::Freelancer,
        body: body.into(),
        sent_at: sent,
    }
}

fn new_join_request(org: &Organization, email: &str, created: Timestamp) -> JoinRequest {
    JoinRequest {
        id: JoinRequestId::new(),
        org_id: org.id,
        email: email.into(),
        name: format!("Someone at {email}"),
        role: "member".into(),
        status: JoinRequestStatus::Pending,
        created_at: created,
        decided_by: None,
        decided_at: None,
        reason: None,
    }
}

fn new_domain(org: &Organization, domain: &str, created: Timestamp) -> DomainVerification {
    DomainVerification {
        org_id: org.id,
        domain: domain.into(),
        record_name: format!("_invitekit-challenge.{domain}"),
        record_value: format!("invitekit-verification={}-{}", org.slug, domain.len()),
        created_at: created,
        verified_at: None,
    }
}

fn new_event(org: &Organization, when: Timestamp, kind: EventKind, details: serde_json::Value) -> NewEvent {
    NewEvent { org_id: org.id, at: when, actor_id: None, kind, details }
}

fn token(n: u8) -> TokenHash {
    TokenHash([n; 32])
}

fn read_only() -> PermissionSet {
    PermissionSet::from(Permission::Read)
}

/// What a call answered: `ok` and its value, or the error's code.
fn answer<T: Debug>(r: Result<T>) -> String {
    match r {
        Ok(v) => format!("ok {v:?}"),
        Err(e) => e.code().to_owned(),
    }
}

/// Fails, naming every call whose answer is not the expected one.
fn assert_answers(answers: &[(&str, String)], expected: &[&str]) {
    assert_eq!(answers.len(), expected.len());
    let wrong: Vec<String> = answers
        .iter()
        .zip(expected)
        .filter(|((_, got), want)| got != *want)
        .map(|((what, got), want)| format!("{what}: answered `{got}`, expected `{want}`"))
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("; "));
}

/// Writes, and fails the check if the store refuses.
fn write_ok<S: Store, T>(store: &S, f: impl FnMut(&mut dyn WriteTx) -> Result<T>) -> T {
    store.write(f).unwrap_or_else(|e| panic!("a write the check needs failed: {e} ({})", e.code()))
}

/// Reads, and fails the check if the store refuses.
fn read_ok<S: Store, T>(store: &S, f: impl FnOnce(&dyn ReadTx) -> Result<T>) -> T {
    store.read(f).unwrap_or_else(|e| panic!("a read the check needs failed: {e} ({})", e.code()))
}

/// A tiny deterministic generator (xorshift64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

// ---------------------------------------------------------------------------
// Inserts and updates
// ---------------------------------------------------------------------------

/// Every insert whose id is taken is `conflict` (a join request's, in its
/// organization or another); a taken key is `conflict` (slug, team name in
/// any case, token hash), `already_member` (an email key in the
/// organization) or `already_participant`; the same keys are free in another
/// organization (a domain verified by two); and what was refused changed
/// nothing.
fn a_taken_id_or_key_is_refused<S: Store>(store: &S) {
    let acme = new_org("acme");
    let beta = new_org("beta");
    let ann = new_member(&acme, "ann@acme.com", "Ann Lee");
    let design = new_team(&acme, "Design");
    let inv = new_invitation(&acme, &ann, "bo@acme.com", at(10));
    let email = new_email(&acme, Some(inv.id), "bo@acme.com", at(11));
    let thread = new_thread(&acme, &ann, "Logo", at(20));
    let place = seat(&thread, &ann, PermissionSet::ALL);
    let message = new_message(&thread, "Hello there", at(21));
    let request = new_join_request(&acme, "di@acme.com", at(22));
    let domain = new_domain(&acme, "acme.com", at(23));
    write_ok(store, |tx| {
        tx.insert_org(&acme)?;
        tx.insert_org(&beta)?;
        tx.insert_member(&ann)?;
        tx.insert_team(&design)?;
        tx.insert_invitation(&inv, &token(1))?;
        tx.insert_email(&email)?;
        tx.insert_thread(&thread)?;
        tx.insert_participant(&place)?;
        tx.insert_message(&message)?;
        tx.insert_join_request(&request)?;
        tx.put_domain_verification(&domain)
    });

    let org_same_id = Organization { slug: "acme-2".into(), name: "Other".into(), ..acme.clone() };
    let org_same_slug = new_org("acme");
    let member_same_id = Member { email: "cy@acme.com".into(), name: "Cy".into(), ..ann.clone() };
    let member_same_key = new_member(&acme, "ANN@Acme.com", "Ann Two");
    let member_elsewhere = new_member(&beta, "ann@acme.com", "Ann Lee");
    let team_same_id = Team { name: "Sales".into(), ..design.clone() };
    let team_same_key = new_team(&acme, "DESIGN");
    let team_elsewhere = new_team(&beta, "Design");
    let inv_same_id = Invitation { email: "cy@acme.com".into(), ..inv.clone() };
    let inv_same_token = new_invitation(&acme, &ann, "cy@acme.com", at(12));
    let email_same_id = OutgoingEmail { to: "cy@acme.com".into(), ..email.clone() };
    let thread_same_id = Thread { title: "Other".into(), ..thread.clone() };
    let place_again = seat(&thread, &ann, read_only());
    let message_same_id = Message { body: "Something else".into(), sent_at: at(30), ..message.clone() };
    let request_same_id =
        JoinRequest { email: "ed@acme.com".into(), status: JoinRequestStatus::Denied, ..request.clone() };
    let request_same_id_elsewhere = JoinRequest { org_id: beta.id, ..request_same_id.clone() };
    let request_same_address = new_join_request(&acme, "DI@acme.com", at(24));
    let domain_elsewhere = DomainVerification {
        record_value: "invitekit-verification=beta".into(),
        ..new_domain(&beta, "acme.com", at(25))
    };

    let attempt = |f: &dyn Fn(&mut dyn WriteTx) -> Result<()>| answer(store.write(|tx| f(tx)));
    let answers = vec![
        ("org, same id", attempt(&|tx| tx.insert_org(&org_same_id))),
        ("org, slug taken", attempt(&|tx| tx.insert_org(&org_same_slug))),
        ("member, same id", attempt(&|tx| tx.insert_member(&member_same_id))),
        ("member, email key taken in the org", attempt(&|tx| tx.insert_member(&member_same_key))),
        ("team, same id", attempt(&|tx| tx.insert_team(&team_same_id))),
        ("team, name taken in another case", attempt(&|tx| tx.insert_team(&team_same_key))),
        ("invitation, same id", attempt(&|tx| tx.insert_invitation(&inv_same_id, &token(2)))),
        ("invitation, token taken", attempt(&|tx| tx.insert_invitation(&inv_same_token, &token(1)))),
        ("email, same id", attempt(&|tx| tx.insert_email(&email_same_id))),
        ("thread, same id", attempt(&|tx| tx.insert_thread(&thread_same_id))),
        ("message, same id", attempt(&|tx| tx.insert_message(&message_same_id))),
        ("participant, already there", attempt(&|tx| tx.insert_participant(&place_again))),
        ("join request, same id", attempt(&|tx| tx.insert_join_request(&request_same_id))),
        ("join request, same id in another org", attempt(&|tx| tx.insert_join_request(&request_same_id_elsewhere))),
        ("member, same email in another org", attempt(&|tx| tx.insert_member(&member_elsewhere))),
        ("team, same name in another org", attempt(&|tx| tx.insert_team(&team_elsewhere))),
        ("join request, same address again", attempt(&|tx| tx.insert_join_request(&request_same_address))),
        ("domain, same domain in another org", attempt(&|tx| tx.put_domain_verification(&domain_elsewhere))),
    ];
    let expected = [
        "conflict",
        "conflict",
        "conflict",
        "already_member",
        "conflict",
        "conflict",
        "conflict",
        "conflict",
        "conflict",
        "conflict",
        "conflict",
        "already_participant",
        "conflict",
        "conflict",
        "ok ()",
        "ok ()",
        "ok ()",
        "ok ()",
    ];
    assert_answers(&answers, &expected);

    read_ok(store, |tx| {
        assert_eq!(tx.org(acme.id)?, Some(acme.clone()), "org");
        assert_eq!(tx.org_by_slug("acme")?, Some(acme.clone()), "org by slug");
        assert_eq!(tx.org_by_slug("acme-2")?, None, "org by the refused slug");
        assert_eq!(tx.member(ann.id)?, Some(ann.clone()), "member");
        assert_eq!(tx.members(acme.id)?, vec![ann.clone()], "members");
        assert_eq!(tx.member_by_email(acme.id, "cy@acme.com")?, None, "member by the refused email");
        assert_eq!(tx.team(design.id)?, Some(design.clone()), "team");
        assert_eq!(tx.team_by_name(acme.id, "design")?, Some(design.clone()), "team by name");
        assert_eq!(tx.team_by_name(acme.id, "sales")?, None, "team by the refused name");
        assert_eq!(tx.invitation(inv.id)?, Some(inv.clone()), "invitation");
        assert_eq!(tx.invitation_by_token(&token(1))?, Some(inv.clone()), "invitation by token");
        assert_eq!(tx.invitation_by_token(&token(2))?, None, "invitation by the refused token");
        assert_eq!(tx.invitations(acme.id, None)?, vec![inv.clone()], "invitations");
        assert_eq!(tx.email(email.id)?, Some(email.clone()), "email");
        assert_eq!(tx.thread(thread.id)?.map(|t| t.last_activity_at), Some(at(21)), "thread moved by its message only");
        assert_eq!(tx.participants(thread.id)?, vec![place.clone()], "participants");
        assert_eq!(tx.join_request(request.id)?, Some(request.clone()), "join request");
        assert_eq!(
            tx.join_requests(acme.id)?,
            vec![request_same_address.clone(), request.clone()],
            "join requests: an address may ask again (the operations decide)"
        );
        assert_eq!(tx.join_requests(beta.id)?, vec![], "join requests of the org of the refused one");
        assert_eq!(tx.join_requests_from(acme.id, "ed@acme.com")?, vec![], "join requests from the refused address");
        assert_eq!(tx.domain_verifications(acme.id)?, vec![domain.clone()], "domain");
        assert_eq!(tx.domain_verifications(beta.id)?, vec![domain_elsewhere.clone()], "the same domain in another org");
        Ok(())
    });
}

/// An update of a row that is not there is `not_found` and writes nothing;
/// so is a message or a participant for a thread that is not there.
fn updates_of_missing_rows_are_not_found<S: Store>(store: &S) {
    let acme = new_org("acme");
    let ann = new_member(&acme, "ann@acme.com", "Ann Lee");
    let bo = new_member(&acme, "bo@acme.com", "Bo Diaz");
    let thread = new_thread(&acme, &ann, "Logo", at(20));
    write_ok(store, |tx| {
        tx.insert_org(&acme)?;
        tx.insert_member(&ann)?;
        tx.insert_member(&bo)?;
        tx.insert_thread(&thread)?;
        tx.insert_participant(&seat(&thread, &ann, PermissionSet::ALL))
    });
    let ghost_org = new_org("ghost");
    let ghost_member = new_member(&acme, "ghost@acme.com", "Ghost");
    let ghost_email = new_email(&acme, None, "ghost@acme.com", at(5));
    let ghost_inv = new_invitation(&acme, &ann, "ghost@acme.com", at(5));
    let ghost_thread = new_thread(&acme, &ann, "Ghost", at(5));
    let attempt = |f: &dyn Fn(&mut dyn WriteTx) -> Result<String>| match store.write(|tx| f(tx)) {
        Ok(v) => v,
        Err(e) => e.code().to_owned(),
    };
    let answers = vec![
        ("update_org", attempt(&|tx| tx.update_org(&ghost_org).map(|()| "()".into()))),
        ("update_member", attempt(&|tx| tx.update_member(&ghost_member).map(|()| "()".into()))),
        ("update_email", attempt(&|tx| tx.update_email(&ghost_email).map(|()| "()".into()))),
        (
            "update_participant, not in the thread",
            attempt(&|tx| tx.update_participant(&seat(&thread, &bo, read_only())).map(|()| "()".into())),
        ),
        (
            "update_participant, no such thread",
            attempt(&|tx| tx.update_participant(&seat(&ghost_thread, &ann, read_only())).map(|()| "()".into())),
        ),
        (
            "update_invitation",
            attempt(&|tx| tx.update_invitation(&ghost_inv, InvitationStatus::Pending, None).map(|b| b.to_string())),
        ),
        (
            "insert_participant, no such thread",
            attempt(&|tx| tx.insert_participant(&seat(&ghost_thread, &ann, read_only())).map(|()| "()".into())),
        ),
        (
            "insert_message, no such thread",
            attempt(&|tx| tx.insert_message(&new_message(&ghost_thread, "hello", at(30))).map(|()| "()".into())),
        ),
        (
            "remove_participant, not in the thread",
            attempt(&|tx| tx.remove_participant(thread.id, bo.id).map(|b| b.to_string())),
        ),
    ];
    let expected = [
        "not_found",
        "not_found",
        "not_found",
        "not_found",
        "not_found",
        "not_found",
        "not_found",
        "not_found",
        "false",
    ];
    assert_answers(&answers, &expected);
    read_ok(store, |tx| {
        assert_eq!(tx.org(ghost_org.id)?, None);
        assert_eq!(tx.org_by_slug("ghost")?, None);
        assert_eq!(tx.member(ghost_member.id)?, None);
        assert_eq!(tx.members(acme.id)?, vec![ann.clone(), bo.clone()]);
        assert_eq!(tx.email(ghost_email.id)?, None);
        assert_eq!(tx.invitation(ghost_inv.id)?, None);
        assert_eq!(tx.thread(ghost_thread.id)?, None);
        assert_eq!(tx.participant(thread.id, bo.id)?, None);
        assert_eq!(tx.participants(ghost_thread.id)?, vec![]);
        assert_eq!(tx.threads_of(bo.id)?, vec![]);
        assert_eq!(tx.thread(thread.id)?, Some(thread.clone()));
        Ok(())
    });
}

/// `update_invitation` writes only over the expected status (`Ok(false)`
/// and nothing changed otherwise), and a new token replaces the old one.
fn invitation_updates_are_conditional<S: Store>(store: &S) {
    let acme = new_org("acme");
    let ann = new_member(&acme, "ann@acme.com", "Ann Lee");
    let inv = new_invitation(&acme, &ann, "bo@acme.com", at(10));
    let other = new_invitation(&acme, &ann, "cy@acme.com", at(11));
    write_ok(store, |tx| {
        tx.insert_org(&acme)?;
        tx.insert_member(&ann)?;
        tx.insert_invitation(&inv, &token(1))?;
        tx.insert_invitation(&other, &token(9))
    });
    let update = |inv: &Invitation, expected: InvitationStatus, new_token: Option<TokenHash>| {
        answer(store.write(|tx| tx.update_invitation(inv, expected, new_token.as_ref())))
    };
    let by_token = |n: u8| read_ok(store, |tx| tx.invitation_by_token(&token(n)));
    let stored = |id: InvitationId| read_ok(store, |tx| tx.invitation(id));

    let revoked = Invitation { status: InvitationStatus::Revoked, ..inv.clone() };
    assert_eq!(update(&revoked, InvitationStatus::Accepted, None), "ok false", "another status is expected");
    assert_eq!(update(&revoked, InvitationStatus::Accepted, Some(token(2))), "ok false", "with a new token");
    assert_eq!(stored(inv.id), Some(inv.clone()), "a refused update changes nothing");
    assert_eq!(by_token(1), Some(inv.clone()), "nor the token");
    assert_eq!(by_token(2), None, "nor the token");

    let resent = Invitation {
        sent_count: 2,
        last_sent_at: at(5_001),
        expires_at: at(5_001).plus_secs(86_400),
        message: Some("again".into()),
        delivered: true,
        team_ids: vec![TeamId::new(), TeamId::new()],
        metadata: serde_json::json!({"plan": "pro"}).as_object().cloned().unwrap_or_default(),
        private_metadata: serde_json::json!({"crm": {"id": 7}}).as_object().cloned().unwrap_or_default(),
        redirect_url: Some("https://app.acme.com/x".into()),
        ..inv.clone()
    };
    assert_eq!(update(&resent, InvitationStatus::Pending, Some(token(2))), "ok true", "resent with a new token");
    assert_eq!(stored(inv.id), Some(resent.clone()));
    assert_eq!(by_token(2), Some(resent.clone()), "the new token finds it");
    assert_eq!(by_token(1), None, "the old token no longer does");

    let clash = Invitation { sent_count: 3, ..resent.clone() };
    assert_eq!(update(&clash, InvitationStatus::Pending, Some(token(9))), "conflict", "a token in use");
    assert_eq!(stored(inv.id), Some(resent.clone()), "a refused token changes nothing");
    assert_eq!(by_token(9), Some(other.clone()));

    let cleared = Invitation {
        team_ids: vec![],
        metadata: Default::default(),
        private_metadata: Default::default(),
        redirect_url: None,
        ..resent.clone()
    };
    assert_eq!(update(&cleared, InvitationStatus::Pending, None), "ok true", "teams, metadata and redirect cleared");
    assert_eq!(stored(inv.id), Some(cleared.clone()));
    assert_eq!(update(&resent, InvitationStatus::Pending, None), "ok true", "and set again");
    assert_eq!(stored(inv.id), Some(resent.clone()));

    let revoked = Invitation { status: InvitationStatus::Revoked, ..resent.clone() };
    assert_eq!(update(&revoked, InvitationStatus::Pending, None), "ok true", "revoked");
    assert_eq!(by_token(2), Some(revoked.clone()), "no new token keeps the token");
    let accepted = Invitation { status: InvitationStatus::Accepted, ..resent.clone() };
    assert_eq!(update(&accepted, InvitationStatus::Pending, None), "ok false", "it is no longer pending");
    assert_eq!(stored(inv.id), Some(revoked.clone()));
    read_ok(store, |tx| {
        assert_eq!(tx.pending_invitations_by(ann.id)?, vec![other.clone()], "pending by the inviter");
        assert_eq!(tx.pending_invitations_to("bo@acme.com")?, vec![], "pending to the address");
        assert_eq!(tx.invitations_to(acme.id, "bo@acme.com")?, vec![revoked.clone()], "all to the address");
        assert_eq!(tx.live_pending(acme.id, at(0))?, (1, Some(other.expires_at)), "live pending");
        Ok(())
    });
}

/// `update_join_request` writes only over the expected status and in the
/// request's organization (`Ok(false)` and nothing changed otherwise, as for
/// a request that is not there); it writes every other field, and keeps the
/// stored address, which is a key.
fn join_request_updates_are_conditional<S: Store>(store: &S) {
    let acme = new_org("acme");
    let beta = new_org("beta");
    let ann = new_member(&acme, "ann@acme.com", "Ann Lee");
    let req = new_join_request(&acme, "Bo@Acme.com", at(10));
    let other = new_join_request(&acme, "cy@acme.com", at(11));
    write_ok(store, |tx| {
        tx.insert_org(&acme)?;
        tx.insert_org(&beta)?;
        tx.insert_member(&ann)?;
        tx.insert_join_request(&req)?;
        tx.insert_join_request(&other)
    });
    let update =
        |r: &JoinRequest, expected: JoinRequestStatus| answer(store.write(|tx| tx.update_join_request(r, expected)));
    let stored = |id: JoinRequestId| read_ok(store, |tx| tx.join_request(id));

    let approved = JoinRequest {
        status: JoinRequestStatus::Approved,
        decided_by: Some(ann.id),
        decided_at: Some(at(5_001)),
        ..req.clone()
    };
    assert_eq!(update(&approved, JoinRequestStatus::Denied), "ok false", "another status is expected");
    assert_eq!(update(&approved, JoinRequestStatus::Approved), "ok false", "the new status is not the stored one");
    assert_eq!(stored(req.id), Some(req.clone()), "a refused update changes nothing");
    let elsewhere = JoinRequest { org_id: beta.id, ..approved.clone() };
    assert_eq!(update(&elsewhere, JoinRequestStatus::Pending), "ok false", "in another organization");
    assert_eq!(stored(req.id), Some(req.clone()), "a request of another organization is not written");
    let ghost = new_join_request(&acme, "ghost@acme.com", at(12));
    assert_eq!(update(&ghost, JoinRequestStatus::Pending), "ok false", "a request that is not there");
    assert_eq!(stored(ghost.id), None, "is not written either");

    let denied = JoinRequest {
        name: "Bo Díaz — 🎉".into(),
        role: "admin".into(),
        status: JoinRequestStatus::Denied,
        created_at: at(13),
        decided_by: Some(ann.id),
        decided_at: Some(at(6_001)),
        reason: Some("Not on the team — yet\nsecond line".into()),
        ..req.clone()
    };
    let readdressed = JoinRequest { email: "someone.else@acme.com".into(), ..denied.clone() };
    assert_eq!(update(&readdressed, JoinRequestStatus::Pending), "ok true", "pending, as expected");
    assert_eq!(stored(req.id), Some(denied.clone()), "every field written but the address, which stays");
    assert_eq!(update(&approved, JoinRequestStatus::Pending), "ok false", "it is no longer pending");
    assert_eq!(stored(req.id), Some(denied.clone()), "and stays denied");

    let cleared = JoinRequest { decided_by: None, decided_at: None, reason: None, ..denied.clone() };
    assert_eq!(update(&cleared, JoinRequestStatus::Denied), "ok true", "the optional fields cleared");
    assert_eq!(stored(req.id), Some(cleared.clone()));
    read_ok(store, |tx| {
        assert_eq!(tx.join_requests(acme.id)?, vec![other.clone(), cleared.clone()], "join requests");
        assert_eq!(tx.join_requests_from(acme.id, "bo@acme.com")?, vec![cleared.clone()], "by the kept address");
        assert_eq!(tx.join_requests_from(acme.id, "someone.else@acme.com")?, vec![], "not by the refused one");
        assert_eq!(tx.join_request(other.id)?, Some(other.clone()), "another request is untouched");
        assert_eq!(tx.join_requests(beta.id)?, vec![], "nor moved to another organization");
        Ok(())
    });
}

// ---------------------------------------------------------------------------
// Reads
// ---------------------------------------------------------------------------

/// Every record comes back field for field, after inserts and after updates
/// (a domain verification put again for its organization and domain replaces
/// the old one, field for field).
fn reads_return_what_was_written<S: Store>(store: &S) {
    let mut acme = new_org("acme");
    acme.name = "Acme Corp — Zürich".into();
    acme.allowed_domains = vec!["acme.com".into(), "acme.example".into()];
    acme.settings = OrgSettings {
        invitation_expiry_secs: 30 * 3600,
        resend_cooldown_secs: 0,
        max_invitations_per_inviter_per_day: 7,
        max_invitations_per_org_per_day: 100_000,
        max_emails_per_address_per_day: 1,
        max_pending_invitations: 12,
        max_message_chars: 0,
        allow_subdomains: true,
        auto_join_domains: vec!["acme.com".into()],
        domain_join: DomainJoin::Request,
        redirect_origins: vec!["https://app.acme.com".into(), "http://localhost:3000".into()],
    };
    acme.created_at = at(1_234);
    let design = new_team(&acme, "Design");
    let sales = new_team(&acme, "Équipe Ventes");
    let mut ann = new_member(&acme, "Ann.Lee@Acme.com", "Ann Lee");
    ann.role = "admin".into();
    ann.team_ids = vec![design.id, sales.id];
    ann.joined_at = at(3_333);
    let mut bo = new_member(&acme, "bo@acme.com", "Bo Díaz");
    bo.status = MemberStatus::Deactivated;
    let t1 = new_thread(&acme, &ann, "Logo redesign", at(100));
    let t2 = new_thread(&acme, &ann, "Portfolio", at(101));
    let mut full = new_invitation(&acme, &ann, "Cy@Acme.com", at(5_001));
    full.message = Some("Welcome — join us 🎉\nsecond line".into());
    full.team_ids = vec![sales.id, design.id];
    let serde_json::Value::Object(metadata) = serde_json::json!({
        "plan": "pro — 🎉", "seats": 3, "ratio": 0.25, "nested": {"list": [1, "two", null, true]}, "html": "<b>&</b>",
    }) else {
        unreachable!()
    };
    full.metadata = metadata;
    full.private_metadata.insert("crm_id".into(), serde_json::json!("0042"));
    full.redirect_url = Some("https://app.acme.com/welcome?step=2#top".into());
    full.role = "admin".into();
    full.thread_grants = vec![
        ThreadGrant { thread_id: t1.id, permissions: read_only() },
        ThreadGrant { thread_id: t2.id, permissions: PermissionSet::ALL },
    ];
    full.delivered = true;
    full.sent_count = 3;
    full.last_sent_at = at(9_009);
    full.expires_at = at(99_999);
    let bare = new_invitation(&acme, &bo, "di@acme.com", at(5_002));
    let mut sent_email = new_email(&acme, Some(full.id), "Cy@Acme.com", at(7_007));
    sent_email.kind = EmailKind::ThreadInvitation;
    sent_email.attempts = 2;
    sent_email.last_error = Some("smtp 451: try later".into());
    let plain_email = new_email(&acme, None, "di@acme.com", at(7_008));
    let details = serde_json::json!({
        "email": "ann@acme.com",
        "n": 3,
        "ratio": 0.5,
        "nested": {"list": [1, "two", null, true], "empty": {}},
        "unicode": "Zoë 🎉",
    });
    let mut e1 = new_event(&acme, at(1_001), EventKind::MemberAdded, details.clone());
    e1.actor_id = Some(ann.id);
    let e2 = new_event(&acme, at(1_002), EventKind::TeamCreated, serde_json::json!({}));
    let e3 = new_event(&acme, at(1_003), EventKind::InvitationSent, serde_json::json!({"list": []}));
    let ann_seat = seat(&t1, &ann, PermissionSet::ALL);
    let bo_seat = Participant { added_by: Some(ann.id), added_at: at(150), ..seat(&t1, &bo, read_only()) };
    let template = TemplateSource {
        subject: "Join {{ org }}".into(),
        text: "Hi {{ name }},\n{{ link }}\n".into(),
        html: "<p>Hi {{ name }}</p>".into(),
    };
    let decided = JoinRequest {
        name: "Élodie Ünal — 🎉".into(),
        role: "admin".into(),
        status: JoinRequestStatus::Denied,
        decided_by: Some(ann.id),
        decided_at: Some(at(8_001)),
        reason: Some("Not this quarter — sorry\nsecond line".into()),
        ..new_join_request(&acme, "Elodie.Unal@Acme.com", at(8_000))
    };
    let asking = new_join_request(&acme, "ed@acme.com", at(8_002));
    let verified = DomainVerification { verified_at: Some(at(8_101)), ..new_domain(&acme, "acme.com", at(8_100)) };
    let unverified = new_domain(&acme, "xn--bcher-kva.example", at(8_102));

    let seqs = write_ok(store, |tx| {
        tx.insert_org(&acme)?;
        tx.insert_team(&design)?;
        tx.insert_team(&sales)?;
        tx.insert_member(&ann)?;
        tx.insert_member(&bo)?;
        tx.insert_thread(&t1)?;
        tx.insert_thread(&t2)?;
        tx.insert_invitation(&full, &token(1))?;
        tx.insert_invitation(&bare, &token(2))?;
        tx.insert_email(&sent_email)?;
        tx.insert_email(&plain_email)?;
        tx.insert_participant(&ann_seat)?;
        tx.insert_participant(&bo_seat)?;
        tx.put_template(acme.id, EmailKind::Invitation, &template)?;
        tx.insert_join_request(&decided)?;
        tx.insert_join_request(&asking)?;
        tx.put_domain_verification(&verified)?;
        tx.put_domain_verification(&unverified)?;
        Ok(vec![tx.append_event(e1.clone())?, tx.append_event(e2.clone())?, tx.append_event(e3.clone())?])
    });
    assert_eq!(seqs, [1, 2, 3], "event seqs");
    let as_event = |seq: u64, e: &NewEvent| Event {
        seq,
        org_id: e.org_id,
        at: e.at,
        actor_id: e.actor_id,
        kind: e.kind,
        details: e.details.clone(),
    };
    read_ok(store, |tx| {
        assert_eq!(tx.org(acme.id)?, Some(acme.clone()), "org");
        assert_eq!(tx.org_by_slug("acme")?, Some(acme.clone()), "org by slug");
        assert_eq!(tx.member(ann.id)?, Some(ann.clone()), "member");
        assert_eq!(tx.member(bo.id)?, Some(bo.clone()), "deactivated member");
        let mut lent = None;
        tx.with_member(ann.id, &mut |m| lent = m.cloned())?;
        assert_eq!(lent, Some(ann.clone()), "with_member");
        assert_eq!(tx.member_by_email(acme.id, "ann.lee@acme.com")?, Some(ann.clone()), "member by email key");
        assert_eq!(tx.members(acme.id)?, vec![ann.clone(), bo.clone()], "members");
        assert_eq!(tx.team(sales.id)?, Some(sales.clone()), "team");
        assert_eq!(tx.team_by_name(acme.id, "équipe ventes")?, Some(sales.clone()), "team by name key");
        assert_eq!(tx.invitation(full.id)?, Some(full.clone()), "invitation with everything");
        assert_eq!(tx.invitation(bare.id)?, Some(bare.clone()), "invitation with nothing optional");
        assert_eq!(tx.invitation_by_token(&token(1))?, Some(full.clone()), "invitation by token");
        assert_eq!(tx.invitations_to(acme.id, "cy@acme.com")?, vec![full.clone()], "invitations by email key");
        assert_eq!(tx.email(sent_email.id)?, Some(sent_email.clone()), "email with everything");
        assert_eq!(tx.email(plain_email.id)?, Some(plain_email.clone()), "email with nothing optional");
        assert_eq!(tx.template(acme.id, EmailKind::Invitation)?, Some(template.clone()), "template");
        assert_eq!(tx.template(acme.id, EmailKind::ThreadInvitation)?, None, "template of another kind");
        let events = vec![as_event(1, &e1), as_event(2, &e2), as_event(3, &e3)];
        assert_eq!(tx.events(acme.id, 0, 10)?, events, "events");
        assert_eq!(tx.thread(t1.id)?, Some(t1.clone()), "thread");
        assert_eq!(tx.participant(t1.id, bo.id)?, Some(bo_seat.clone()), "participant");
        assert_eq!(tx.participants(t1.id)?, vec![ann_seat.clone(), bo_seat.clone()], "participants");
        assert_eq!(tx.threads_of(ann.id)?, vec![t1.id], "threads_of");
        assert_eq!(tx.join_request(decided.id)?, Some(decided.clone()), "join request with everything");
        assert_eq!(tx.join_request(asking.id)?, Some(asking.clone()), "join request with nothing optional");
        assert_eq!(tx.join_request(JoinRequestId::new())?, None, "join request that is not there");
        assert_eq!(tx.join_requests(acme.id)?, vec![asking.clone(), decided.clone()], "join requests");
        assert_eq!(
            tx.join_requests_from(acme.id, "elodie.unal@acme.com")?,
            vec![decided.clone()],
            "join requests by email key"
        );
        assert_eq!(
            tx.domain_verifications(acme.id)?,
            vec![verified.clone(), unverified.clone()],
            "domain verifications, verified and not"
        );
        Ok(())
    });

    // Updates, read back.
    let mut acme2 = acme.clone();
    acme2.name = "Acme".into();
    acme2.allowed_domains = vec![];
    acme2.settings = OrgSettings::default();
    let mut ann2 = ann.clone();
    ann2.name = "Annie Lee-Smith".into();
    ann2.role = "member".into();
    ann2.team_ids = vec![sales.id];
    ann2.status = MemberStatus::Deactivated;
    let mut bo2 = bo.clone();
    bo2.name = "Bob Reyes".into();
    bo2.status = MemberStatus::Active;
    bo2.team_ids = vec![design.id];
    let mut sent2 = sent_email.clone();
    sent2.status = OutboxStatus::Sent;
    sent2.text.clear();
    sent2.html.clear();
    sent2.attempts = 3;
    sent2.last_error = None;
    sent2.next_attempt_at = at(8_008);
    let mut plain2 = plain_email.clone();
    plain2.status = OutboxStatus::Dead;
    plain2.last_error = Some("mailbox unavailable".into());
    let bo_seat2 = Participant {
        permissions: PermissionSet::from_permissions([Permission::Read, Permission::Write]),
        added_by: None,
        added_at: at(160),
        ..bo_seat.clone()
    };
    let template2 = TemplateSource { subject: "Welcome".into(), ..template.clone() };
    // Put again: the verified domain restarted, the other one verified.
    let verified2 = DomainVerification {
        record_name: "_invitekit-challenge-2.acme.com".into(),
        record_value: "invitekit-verification=again".into(),
        created_at: at(9_100),
        verified_at: None,
        ..verified.clone()
    };
    let unverified2 = DomainVerification { verified_at: Some(at(9_101)), ..unverified.clone() };
    write_ok(store, |tx| {
        tx.update_org(&acme2)?;
        tx.update_member(&ann2)?;
        tx.update_member(&bo2)?;
        tx.update_email(&sent2)?;
        tx.update_email(&plain2)?;
        tx.update_participant(&bo_seat2)?;
        tx.put_domain_verification(&verified2)?;
        tx.put_domain_verification(&unverified2)?;
        tx.put_template(acme.id, EmailKind::Invitation, &template2)
    });
    read_ok(store, |tx| {
        assert_eq!(tx.org(acme.id)?, Some(acme2.clone()), "updated org");
        assert_eq!(tx.org_by_slug("acme")?, Some(acme2.clone()), "updated org by slug");
        assert_eq!(tx.member(ann.id)?, Some(ann2.clone()), "updated member");
        assert_eq!(tx.member_by_email(acme.id, "ann.lee@acme.com")?, Some(ann2.clone()), "by email");
        assert_eq!(tx.members(acme.id)?, vec![ann2.clone(), bo2.clone()], "updated members");
        assert_eq!(tx.email(sent_email.id)?, Some(sent2.clone()), "updated email");
        assert_eq!(tx.email(plain_email.id)?, Some(plain2.clone()), "updated email");
        assert_eq!(tx.participants(t1.id)?, vec![ann_seat.clone(), bo_seat2.clone()], "updated participant");
        assert_eq!(tx.template(acme.id, EmailKind::Invitation)?, Some(template2.clone()), "replaced template");
        assert_eq!(
            tx.domain_verifications(acme.id)?,
            vec![verified2.clone(), unverified2.clone()],
            "replaced domain verifications, one row per domain"
        );
        let terms = |q: &str| coworker_terms(q);
        assert_eq!(find(tx, acme.id, &terms("bob"), 10)?, vec![bo2.clone()], "found by the new name");
        assert_eq!(find(tx, acme.id, &terms("díaz"), 10)?, vec![], "not by the old name");
        assert_eq!(
            find(tx, acme.id, &terms("ann"), 10)?,
            vec![ann2.clone()],
            "found deactivated: the operations filter"
        );
        Ok(())
    });

    // Messages move the thread's activity forward, never back.
    let m1 = Message { author: Author::Member(ann.id), ..new_message(&t1, "first draft", at(500)) };
    let m2 = new_message(&t1, "an older message, delivered late", at(300));
    let m3 = new_message(&t1, "same instant", at(500));
    let m4 = new_message(&t2, "later still", at(700));
    write_ok(store, |tx| tx.insert_message(&m1));
    write_ok(store, |tx| {
        tx.insert_message(&m2)?;
        tx.insert_message(&m3)
    });
    read_ok(store, |tx| {
        let moved = tx.thread(t1.id)?.unwrap();
        assert_eq!(moved.last_activity_at, at(500), "a message moves the activity");
        assert_eq!(moved, Thread { last_activity_at: at(500), ..t1.clone() }, "and nothing else");
        assert_eq!(tx.thread(t2.id)?, Some(t2.clone()), "another thread does not move");
        Ok(())
    });
    write_ok(store, |tx| tx.insert_participant(&seat(&t2, &bo2, read_only())));
    write_ok(store, |tx| tx.insert_message(&m4));
    read_ok(store, |tx| {
        assert_eq!(tx.thread(t2.id)?.map(|t| t.last_activity_at), Some(at(700)));
        assert_eq!(tx.threads_of(bo.id)?, vec![t2.id, t1.id], "newest activity first");
        Ok(())
    });

    // Removing a participant.
    assert!(write_ok(store, |tx| tx.remove_participant(t1.id, bo.id)), "removed");
    assert!(!write_ok(store, |tx| tx.remove_participant(t1.id, bo.id)), "already gone");
    read_ok(store, |tx| {
        assert_eq!(tx.participant(t1.id, bo.id)?, None);
        assert_eq!(tx.participants(t1.id)?, vec![ann_seat.clone()]);
        assert_eq!(tx.threads_of(bo.id)?, vec![t2.id]);
        Ok(())
    });
}

/// Members oldest first, invitations newest first, participants in the
/// order added, threads newest activity first, due emails earliest first,
/// events in order after a seq, each with its limit; join requests newest
/// first (all, or from one address), domain verifications by domain name.
fn reads_come_in_the_documented_order<S: Store>(store: &S) {
    let acme = new_org("acme");
    let beta = new_org("beta");
    write_ok(store, |tx| {
        tx.insert_org(&acme)?;
        tx.insert_org(&beta)
    });
    // Members, in three transactions, with another org's in between.
    let members: Vec<Member> =
        (0..6).map(|i| new_member(&acme, &format!("m{i}@acme.com"), &format!("Member {}", 6 - i))).collect();
    let stranger = new_member(&beta, "m0@acme.com", "Stranger");
    write_ok(store, |tx| {
        tx.insert_member(&members[0])?;
        tx.insert_member(&members[1])
    });
    write_ok(store, |tx| tx.insert_member(&stranger));
    write_ok(store, |tx| {
        for m in &members[2..] {
            tx.insert_member(m)?;
        }
        Ok(())
    });
    assert_eq!(read_ok(store, |tx| tx.members(acme.id)), members, "members, oldest first");
    assert_eq!(read_ok(store, |tx| tx.members(beta.id)), vec![stranger.clone()]);

    // Invitations.
    let (ann, bo) = (&members[0], &members[1]);
    let mut invs = [
        new_invitation(&acme, ann, "cy@acme.com", at(10)),
        new_invitation(&acme, bo, "CY@acme.com", at(11)),
        new_invitation(&beta, &stranger, "cy@acme.com", at(12)),
        new_invitation(&acme, ann, "di@acme.com", at(13)),
        new_invitation(&acme, ann, "cy@acme.com", at(14)),
        new_invitation(&acme, bo, "ed@acme.com", at(15)),
    ];
    invs[0].status = InvitationStatus::Accepted;
    invs[3].expires_at = at(20);
    invs[4].expires_at = at(30);
    invs[5].status = InvitationStatus::Revoked;
    write_ok(store, |tx| {
        for (i, inv) in invs.iter().enumerate() {
            tx.insert_invitation(inv, &token(i as u8 + 1))?;
        }
        Ok(())
    });
    let pick = |idx: &[usize]| idx.iter().map(|&i| invs[i].clone()).collect::<Vec<_>>();
    read_ok(store, |tx| {
        assert_eq!(tx.invitations(acme.id, None)?, pick(&[5, 4, 3, 1, 0]), "invitations, newest first");
        assert_eq!(tx.invitations(acme.id, Some(ann.id))?, pick(&[4, 3, 0]), "by one inviter");
        assert_eq!(tx.invitations(acme.id, Some(stranger.id))?, vec![], "by an inviter of another org");
        assert_eq!(tx.invitations_to(acme.id, "cy@acme.com")?, pick(&[4, 1, 0]), "to one address");
        assert_eq!(tx.pending_invitations_to("cy@acme.com")?, pick(&[4, 2, 1]), "pending to one address");
        assert_eq!(tx.pending_invitations_by(ann.id)?, pick(&[4, 3]), "pending by one inviter");
        assert_eq!(tx.pending_invitations_by(bo.id)?, pick(&[1]), "pending by another");
        assert_eq!(tx.live_pending(acme.id, at(0))?, (3, Some(at(20))), "live pending");
        assert_eq!(tx.live_pending(acme.id, at(20))?, (2, Some(at(30))), "an expiry at now is past");
        assert_eq!(tx.live_pending(acme.id, at(30))?, (1, Some(invs[1].expires_at)), "later");
        assert_eq!(tx.live_pending(acme.id, invs[1].expires_at)?, (0, None), "none left");
        assert_eq!(tx.live_pending(beta.id, at(0))?, (1, Some(invs[2].expires_at)), "another org");
        Ok(())
    });

    // Participants in the order added, not by id; one added again goes last.
    let thread = new_thread(&acme, ann, "Logo", at(100));
    write_ok(store, |tx| {
        tx.insert_thread(&thread)?;
        tx.insert_participant(&seat(&thread, &members[3], read_only()))?;
        tx.insert_participant(&seat(&thread, &members[1], read_only()))
    });
    write_ok(store, |tx| {
        tx.insert_participant(&seat(&thread, &members[4], read_only()))?;
        tx.insert_participant(&seat(&thread, &members[0], PermissionSet::ALL))
    });
    let order = |tx: &dyn ReadTx| -> Result<Vec<MemberId>> {
        Ok(tx.participants(thread.id)?.iter().map(|p| p.member_id).collect())
    };
    let ids = |idx: &[usize]| idx.iter().map(|&i| members[i].id).collect::<Vec<_>>();
    assert_eq!(read_ok(store, |tx| order(tx)), ids(&[3, 1, 4, 0]), "participants, in the order added");
    assert!(write_ok(store, |tx| tx.remove_participant(thread.id, members[1].id)));
    write_ok(store, |tx| tx.insert_participant(&seat(&thread, &members[1], read_only())));
    assert_eq!(read_ok(store, |tx| order(tx)), ids(&[3, 4, 0, 1]), "one added again goes last");

    // Threads, newest activity first; equal activity by id, highest first.
    let threads: Vec<Thread> = [100, 300, 200, 300, 50]
        .iter()
        .enumerate()
        .map(|(i, &ms)| new_thread(&acme, ann, &format!("t{i}"), at(ms)))
        .collect();
    write_ok(store, |tx| {
        for t in &threads {
            tx.insert_thread(t)?;
            tx.insert_participant(&seat(t, &members[5], read_only()))?;
        }
        Ok(())
    });
    let tids = |idx: &[usize]| idx.iter().map(|&i| threads[i].id).collect::<Vec<_>>();
    assert_eq!(read_ok(store, |tx| tx.threads_of(members[5].id)), tids(&[3, 1, 2, 0, 4]), "threads_of");
    // A message moves t4 to the front, one at t0's activity ties it with t2's.
    write_ok(store, |tx| {
        tx.insert_message(&new_message(&threads[4], "news", at(400)))?;
        tx.insert_message(&new_message(&threads[0], "tie", at(200)))
    });
    assert_eq!(read_ok(store, |tx| tx.threads_of(members[5].id)), tids(&[4, 3, 1, 2, 0]), "after messages");
    let page = |after: Option<ThreadCursor>, limit| {
        read_ok(store, |tx| search(tx, members[5].id, &[], after.as_ref(), limit))
            .iter()
            .map(|t| t.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(page(None, 2), tids(&[4, 3]), "search, first page");
    let cursor = ThreadCursor { last_activity_at: at(300), thread_id: threads[3].id };
    assert_eq!(page(Some(cursor), 2), tids(&[1, 2]), "search, after a cursor");
    let cursor = ThreadCursor { last_activity_at: at(200), thread_id: threads[2].id };
    assert_eq!(page(Some(cursor), 10), tids(&[0]), "after a cursor on a tie");
    assert_eq!(page(None, 0), tids(&[]), "limit 0");

    // Due emails: pending only, due at or before now, earliest first (then by id), at most `limit`.
    let mut emails: Vec<OutgoingEmail> =
        [50, 10, 30, 10, 20, 40, 10, 60].iter().map(|&ms| new_email(&acme, None, "cy@acme.com", at(ms))).collect();
    emails[4].status = OutboxStatus::Sent;
    emails[5].status = OutboxStatus::Dead;
    emails[6].status = OutboxStatus::Cancelled;
    write_ok(store, |tx| {
        for e in &emails {
            tx.insert_email(e)?;
        }
        Ok(())
    });
    let due = |now: i64, limit: usize| -> Vec<EmailId> {
        read_ok(store, |tx| tx.due_emails(at(now), limit)).iter().map(|e| e.id).collect()
    };
    let eids = |idx: &[usize]| idx.iter().map(|&i| emails[i].id).collect::<Vec<_>>();
    assert_eq!(due(100, 100), eids(&[1, 3, 2, 0, 7]), "due emails, earliest first");
    assert_eq!(due(100, 2), eids(&[1, 3]), "with a limit");
    assert_eq!(due(30, 100), eids(&[1, 3, 2]), "due exactly now");
    assert_eq!(due(29, 100), eids(&[1, 3]), "not yet due");
    assert_eq!(due(9, 100), eids(&[]), "nothing due");
    assert_eq!(due(100, 0), eids(&[]), "limit 0");
    // Rescheduled: its place follows the new time.
    let later = OutgoingEmail { attempts: 1, next_attempt_at: at(55), ..emails[1].clone() };
    write_ok(store, |tx| tx.update_email(&later));
    assert_eq!(due(100, 100), eids(&[3, 2, 0, 1, 7]), "rescheduled");

    // Events after a seq, with a limit, another org's in between.
    let mut seqs = Vec::new();
    for i in 0..7 {
        seqs.push(write_ok(store, |tx| {
            tx.append_event(new_event(&acme, at(1_000 + i), EventKind::MemberAdded, serde_json::json!({"i": i})))
        }));
        if i % 3 == 0 {
            write_ok(store, |tx| {
                tx.append_event(new_event(&beta, at(1_000 + i), EventKind::TeamCreated, serde_json::json!({})))
            });
        }
    }
    assert_eq!(seqs, [1, 2, 3, 4, 5, 6, 7], "seqs, one more than the org's last");
    let seqs_of = |org: &Organization, after: u64, limit: usize| -> Vec<u64> {
        read_ok(store, |tx| tx.events(org.id, after, limit)).iter().map(|e| e.seq).collect()
    };
    assert_eq!(seqs_of(&acme, 0, 3), [1, 2, 3], "the first page");
    assert_eq!(seqs_of(&acme, 3, 10), [4, 5, 6, 7], "after a seq");
    assert_eq!(seqs_of(&acme, 7, 10), Vec::<u64>::new(), "after the last");
    assert_eq!(seqs_of(&acme, 100, 10), Vec::<u64>::new(), "after a seq never given");
    assert_eq!(seqs_of(&acme, 2, 0), Vec::<u64>::new(), "limit 0");
    assert_eq!(seqs_of(&beta, 0, 10), [1, 2, 3], "another org counts its own");
    let details: Vec<serde_json::Value> =
        read_ok(store, |tx| tx.events(acme.id, 5, 10)).into_iter().map(|e| e.details).collect();
    assert_eq!(details, [serde_json::json!({"i": 5}), serde_json::json!({"i": 6})], "in order");

    // Join requests, newest first, in three transactions with another org's in between.
    let requests = [
        new_join_request(&acme, "cy@acme.com", at(10)),
        new_join_request(&acme, "di@acme.com", at(11)),
        new_join_request(&beta, "cy@acme.com", at(12)),
        new_join_request(&acme, "CY@Acme.com", at(13)),
        new_join_request(&acme, "ed@acme.com", at(14)),
        new_join_request(&acme, "cy@acme.com", at(15)),
    ];
    write_ok(store, |tx| {
        tx.insert_join_request(&requests[0])?;
        tx.insert_join_request(&requests[1])
    });
    write_ok(store, |tx| tx.insert_join_request(&requests[2]));
    write_ok(store, |tx| {
        for r in &requests[3..] {
            tx.insert_join_request(r)?;
        }
        Ok(())
    });
    let pick = |idx: &[usize]| idx.iter().map(|&i| requests[i].clone()).collect::<Vec<_>>();
    read_ok(store, |tx| {
        assert_eq!(tx.join_requests(acme.id)?, pick(&[5, 4, 3, 1, 0]), "join requests, newest first");
        assert_eq!(tx.join_requests(beta.id)?, pick(&[2]), "another org's");
        assert_eq!(tx.join_requests_from(acme.id, "cy@acme.com")?, pick(&[5, 3, 0]), "from one address, any case");
        assert_eq!(tx.join_requests_from(acme.id, "di@acme.com")?, pick(&[1]), "from another");
        assert_eq!(tx.join_requests_from(beta.id, "cy@acme.com")?, pick(&[2]), "from the address, in another org");
        assert_eq!(tx.join_requests_from(acme.id, "CY@Acme.com")?, vec![], "by the key only");
        assert_eq!(tx.join_requests_from(acme.id, "zed@acme.com")?, vec![], "from an address that never asked");
        Ok(())
    });

    // Domain verifications, by domain name (code point order, whatever the
    // database's locale), put out of order, another org's in between.
    let names = ["b.example", "ab.example", "a-c.example", "a.example", "xn--bcher-kva.example", "a.example.org"];
    write_ok(store, |tx| {
        for (i, d) in names.iter().enumerate() {
            tx.put_domain_verification(&new_domain(&acme, d, at(20 + i as i64)))?;
            if i == 2 {
                tx.put_domain_verification(&new_domain(&beta, "aa.example", at(30)))?;
            }
        }
        Ok(())
    });
    let domains = |org: &Organization| -> Vec<String> {
        read_ok(store, |tx| tx.domain_verifications(org.id)).into_iter().map(|d| d.domain).collect()
    };
    assert_eq!(
        domains(&acme),
        ["a-c.example", "a.example", "a.example.org", "ab.example", "b.example", "xn--bcher-kva.example"],
        "domain verifications, by domain name"
    );
    assert_eq!(domains(&beta), ["aa.example"], "another org's");
}

/// Cancelling an invitation's emails cancels its pending ones and clears
/// their bodies, and touches no other email.
fn cancelling_an_invitations_emails<S: Store>(store: &S) {
    let acme = new_org("acme");
    let ann = new_member(&acme, "ann@acme.com", "Ann Lee");
    let inv1 = new_invitation(&acme, &ann, "bo@acme.com", at(1));
    let inv2 = new_invitation(&acme, &ann, "cy@acme.com", at(2));
    let pending1 = new_email(&acme, Some(inv1.id), "bo@acme.com", at(10));
    let pending2 = OutgoingEmail {
        attempts: 2,
        last_error: Some("451".into()),
        ..new_email(&acme, Some(inv1.id), "bo@acme.com", at(20))
    };
    let sent = OutgoingEmail { status: OutboxStatus::Sent, ..new_email(&acme, Some(inv1.id), "bo@acme.com", at(5)) };
    let other_inv = new_email(&acme, Some(inv2.id), "cy@acme.com", at(15));
    let no_inv = new_email(&acme, None, "di@acme.com", at(16));
    let all = [&pending1, &pending2, &sent, &other_inv, &no_inv];
    write_ok(store, |tx| {
        tx.insert_org(&acme)?;
        tx.insert_member(&ann)?;
        tx.insert_invitation(&inv1, &token(1))?;
        tx.insert_invitation(&inv2, &token(2))?;
        for e in all {
            tx.insert_email(e)?;
        }
        Ok(())
    });
    write_ok(store, |tx| cancel(tx, inv1.id));
    let cancelled = |e: &OutgoingEmail| OutgoingEmail {
        status: OutboxStatus::Cancelled,
        text: String::new(),
        html: String::new(),
        ..e.clone()
    };
    let expected = [cancelled(&pending1), cancelled(&pending2), sent.clone(), other_inv.clone(), no_inv.clone()];
    let stored =
        || read_ok(store, |tx| all.iter().map(|e| tx.email(e.id).map(Option::unwrap)).collect::<Result<Vec<_>>>());
    assert_eq!(stored(), expected, "after cancelling");
    let due: Vec<EmailId> = read_ok(store, |tx| tx.due_emails(at(1_000), 10)).iter().map(|e| e.id).collect();
    assert_eq!(due, [other_inv.id, no_inv.id], "cancelled emails are not due");
    write_ok(store, |tx| cancel(tx, inv1.id));
    write_ok(store, |tx| cancel(tx, InvitationId::new()));
    assert_eq!(stored(), expected, "cancelling again, or an unknown invitation, changes nothing");
}

/// Reads by organization and key never see another organization's rows.
fn another_organizations_rows_are_not_seen<S: Store>(store: &S) {
    let acme = new_org("acme");
    let beta = new_org("beta");
    let ann_a = new_member(&acme, "ann@acme.com", "Ann Lee");
    let ann_b = new_member(&beta, "ann@acme.com", "Ann Lee");
    let design_a = new_team(&acme, "Design");
    let design_b = new_team(&beta, "Design");
    let inv_a = new_invitation(&acme, &ann_a, "cy@acme.com", at(10));
    let inv_b = new_invitation(&beta, &ann_b, "cy@acme.com", at(11));
    let ev_a = new_event(&acme, at(20), EventKind::MemberAdded, serde_json::json!({"org": "acme"}));
    let ev_b = new_event(&beta, at(21), EventKind::MemberAdded, serde_json::json!({"org": "beta"}));
    let template = TemplateSource { subject: "s".into(), text: "t".into(), html: "h".into() };
    let req_a = new_join_request(&acme, "cy@acme.com", at(12));
    let req_b = new_join_request(&beta, "cy@acme.com", at(13));
    let domain_a = new_domain(&acme, "acme.com", at(14));
    let domain_b = DomainVerification { verified_at: Some(at(16)), ..new_domain(&beta, "acme.com", at(15)) };
    let seqs = write_ok(store, |tx| {
        tx.insert_org(&acme)?;
        tx.insert_org(&beta)?;
        tx.insert_join_request(&req_a)?;
        tx.insert_join_request(&req_b)?;
        tx.put_domain_verification(&domain_a)?;
        tx.put_domain_verification(&domain_b)?;
        tx.insert_member(&ann_a)?;
        tx.insert_member(&ann_b)?;
        tx.insert_team(&design_a)?;
        tx.insert_team(&design_b)?;
        tx.insert_invitation(&inv_a, &token(1))?;
        tx.insert_invitation(&inv_b, &token(2))?;
        tx.put_template(acme.id, EmailKind::Invitation, &template)?;
        record(
            tx,
            acme.id,
            &[SendKey::Org, SendKey::Inviter(ann_a.id), SendKey::Address("cy@acme.com".into())],
            at(30),
        )?;
        Ok((tx.append_event(ev_a.clone())?, tx.append_event(ev_b.clone())?))
    });
    assert_eq!(seqs, (1, 1), "each org's events count from 1");
    let nobody = OrgId::new();
    read_ok(store, |tx| {
        assert_eq!(tx.member_by_email(acme.id, "ann@acme.com")?, Some(ann_a.clone()), "member by email, acme");
        assert_eq!(tx.member_by_email(beta.id, "ann@acme.com")?, Some(ann_b.clone()), "member by email, beta");
        assert_eq!(tx.member_by_email(nobody, "ann@acme.com")?, None, "member by email, no such org");
        assert_eq!(tx.members(acme.id)?, vec![ann_a.clone()], "members");
        assert_eq!(tx.members(nobody)?, vec![], "members of no such org");
        assert_eq!(tx.team_by_name(acme.id, "design")?, Some(design_a.clone()), "team by name, acme");
        assert_eq!(tx.team_by_name(beta.id, "design")?, Some(design_b.clone()), "team by name, beta");
        assert_eq!(tx.invitations(acme.id, None)?, vec![inv_a.clone()], "invitations");
        assert_eq!(tx.invitations(acme.id, Some(ann_b.id))?, vec![], "invitations by beta's member in acme");
        assert_eq!(tx.invitations(beta.id, Some(ann_b.id))?, vec![inv_b.clone()], "invitations by beta's member");
        assert_eq!(tx.invitations_to(acme.id, "cy@acme.com")?, vec![inv_a.clone()], "invitations to");
        assert_eq!(tx.invitations_to(nobody, "cy@acme.com")?, vec![], "invitations to, no such org");
        assert_eq!(tx.pending_invitations_to("cy@acme.com")?, vec![inv_b.clone(), inv_a.clone()], "every org's");
        assert_eq!(tx.pending_invitations_by(ann_a.id)?, vec![inv_a.clone()], "pending by");
        assert_eq!(tx.live_pending(acme.id, at(0))?, (1, Some(inv_a.expires_at)), "live pending");
        assert_eq!(tx.live_pending(nobody, at(0))?, (0, None), "live pending, no such org");
        let events_a = tx.events(acme.id, 0, 10)?;
        assert_eq!(
            events_a.iter().map(|e| (e.seq, e.details.clone())).collect::<Vec<_>>(),
            vec![(1, ev_a.details.clone())]
        );
        assert_eq!(tx.events(beta.id, 0, 10)?.len(), 1, "beta's events");
        assert_eq!(tx.events(nobody, 0, 10)?, vec![], "events of no such org");
        assert_eq!(find(tx, acme.id, &coworker_terms("ann"), 10)?, vec![ann_a.clone()], "find");
        assert_eq!(find(tx, nobody, &coworker_terms("ann"), 10)?, vec![], "find in no such org");
        assert_eq!(tx.template(beta.id, EmailKind::Invitation)?, None, "template");
        assert_eq!(tx.join_requests(acme.id)?, vec![req_a.clone()], "join requests, acme");
        assert_eq!(tx.join_requests(beta.id)?, vec![req_b.clone()], "join requests, beta");
        assert_eq!(tx.join_requests(nobody)?, vec![], "join requests of no such org");
        assert_eq!(tx.join_requests_from(acme.id, "cy@acme.com")?, vec![req_a.clone()], "join requests from, acme");
        assert_eq!(tx.join_requests_from(beta.id, "cy@acme.com")?, vec![req_b.clone()], "join requests from, beta");
        assert_eq!(tx.join_requests_from(nobody, "cy@acme.com")?, vec![], "join requests from, no such org");
        assert_eq!(tx.join_request(req_b.id)?, Some(req_b.clone()), "a join request by id, in its own org");
        assert_eq!(tx.domain_verifications(acme.id)?, vec![domain_a.clone()], "domains, acme");
        assert_eq!(tx.domain_verifications(beta.id)?, vec![domain_b.clone()], "domains, beta: verified there only");
        assert_eq!(tx.domain_verifications(nobody)?, vec![], "domains of no such org");
        for key in [SendKey::Org, SendKey::Inviter(ann_a.id), SendKey::Address("cy@acme.com".into())] {
            assert_eq!(nth_latest(tx, acme.id, &key, at(0), 1)?, Some(at(30)), "latest send {key:?}");
            assert_eq!(nth_latest(tx, acme.id, &key, at(0), 2)?, None, "second latest send {key:?}");
            assert_eq!(nth_latest(tx, beta.id, &key, at(0), 1)?, None, "beta's latest send {key:?}");
            assert_eq!(times(tx, beta.id, &key, at(0))?, vec![], "beta's send times {key:?}");
        }
        Ok(())
    });
}

// ---------------------------------------------------------------------------
// Transactions
// ---------------------------------------------------------------------------

/// A small organization, written before the rollback checks.
struct World {
    acme: Organization,
    ann: Member,
    design: Team,
    inv: Invitation,
    email: OutgoingEmail,
    thread: Thread,
    request: JoinRequest,
    domain: DomainVerification,
}

/// Rows for a write that touches every table.
struct Changes {
    beta: Organization,
    bo: Member,
    sales: Team,
    inv: Invitation,
    email: OutgoingEmail,
    thread: Thread,
    message: Message,
    request: JoinRequest,
    domain: DomainVerification,
}

fn world<S: Store>(store: &S) -> World {
    let acme = new_org("acme");
    let ann = new_member(&acme, "ann@acme.com", "Ann Lee");
    let design = new_team(&acme, "Design");
    let inv = new_invitation(&acme, &ann, "cy@acme.com", at(10));
    let email = new_email(&acme, Some(inv.id), "cy@acme.com", at(11));
    let thread = new_thread(&acme, &ann, "Logo", at(20));
    let request = new_join_request(&acme, "di@acme.com", at(21));
    let domain = new_domain(&acme, "acme.com", at(22));
    let w = World { acme, ann, design, inv, email, thread, request, domain };
    write_ok(store, |tx| {
        tx.insert_org(&w.acme)?;
        tx.insert_member(&w.ann)?;
        tx.insert_team(&w.design)?;
        tx.insert_invitation(&w.inv, &token(1))?;
        tx.insert_email(&w.email)?;
        tx.insert_thread(&w.thread)?;
        tx.insert_participant(&seat(&w.thread, &w.ann, PermissionSet::ALL))?;
        tx.insert_join_request(&w.request)?;
        tx.put_domain_verification(&w.domain)?;
        tx.append_event(new_event(&w.acme, at(30), EventKind::OrganizationCreated, serde_json::json!({})))?;
        record(tx, w.acme.id, &[SendKey::Org], at(40))
    });
    w
}

fn changes(w: &World) -> Changes {
    let bo = new_member(&w.acme, "bo@acme.com", "Bo Diaz");
    Changes {
        beta: new_org("beta"),
        sales: new_team(&w.acme, "Sales"),
        inv: new_invitation(&w.acme, &bo, "di@acme.com", at(50)),
        email: new_email(&w.acme, None, "di@acme.com", at(51)),
        thread: new_thread(&w.acme, &bo, "Portfolio", at(52)),
        message: new_message(&w.thread, "portfolio attached", at(60)),
        request: new_join_request(&w.acme, "DI@acme.com", at(63)),
        domain: new_domain(&w.acme, "acme.example", at(64)),
        bo,
    }
}

/// Writes to every table, inserts and updates.
fn apply(tx: &mut dyn WriteTx, w: &World, c: &Changes) -> Result<()> {
    tx.insert_org(&c.beta)?;
    tx.update_org(&Organization { name: "Renamed".into(), ..w.acme.clone() })?;
    tx.insert_member(&c.bo)?;
    tx.update_member(&Member { name: "Annie".into(), status: MemberStatus::Deactivated, ..w.ann.clone() })?;
    tx.insert_team(&c.sales)?;
    tx.insert_invitation(&c.inv, &token(2))?;
    let revoked = Invitation { status: InvitationStatus::Revoked, ..w.inv.clone() };
    assert!(tx.update_invitation(&revoked, InvitationStatus::Pending, Some(&token(3)))?);
    cancel(tx, w.inv.id)?;
    tx.insert_email(&c.email)?;
    tx.update_email(&OutgoingEmail { attempts: 9, ..c.email.clone() })?;
    tx.append_event(new_event(&w.acme, at(61), EventKind::MemberAdded, serde_json::json!({"n": 1})))?;
    tx.insert_thread(&c.thread)?;
    tx.insert_message(&c.message)?;
    tx.insert_participant(&seat(&w.thread, &c.bo, read_only()))?;
    tx.update_participant(&seat(&w.thread, &w.ann, read_only()))?;
    tx.insert_participant(&seat(&c.thread, &w.ann, read_only()))?;
    assert!(tx.remove_participant(c.thread.id, w.ann.id)?);
    record(tx, w.acme.id, &[SendKey::Org, SendKey::Inviter(c.bo.id)], at(62))?;
    tx.insert_join_request(&c.request)?;
    let approved = JoinRequest {
        status: JoinRequestStatus::Approved,
        decided_by: Some(w.ann.id),
        decided_at: Some(at(65)),
        ..w.request.clone()
    };
    assert!(tx.update_join_request(&approved, JoinRequestStatus::Pending)?);
    tx.put_domain_verification(&DomainVerification { verified_at: Some(at(66)), ..w.domain.clone() })?;
    tx.put_domain_verification(&c.domain)?;
    let template = TemplateSource { subject: "s".into(), text: "t".into(), html: "h".into() };
    tx.put_template(w.acme.id, EmailKind::Invitation, &template)
}

/// Everything a read can see of the world and the changes, one line each.
fn snapshot(tx: &dyn ReadTx, w: &World, c: &Changes) -> Result<Vec<String>> {
    let org = w.acme.id;
    let everyone = coworker_terms("a");
    Ok(vec![
        format!("orgs: {:?}", (tx.org(org)?, tx.org_by_slug("acme")?, tx.org(c.beta.id)?, tx.org_by_slug("beta")?)),
        format!("members: {:?}", (tx.members(org)?, tx.member(c.bo.id)?, tx.member_by_email(org, "bo@acme.com")?)),
        format!("find: {:?}", (find(tx, org, &everyone, 10)?, find(tx, org, &coworker_terms("bo"), 10)?)),
        format!("teams: {:?}", (tx.team(c.sales.id)?, tx.team_by_name(org, "sales")?, tx.team(w.design.id)?)),
        format!("invitations: {:?}", (tx.invitations(org, None)?, tx.live_pending(org, at(0))?)),
        format!(
            "tokens: {:?}",
            (
                tx.invitation_by_token(&token(1))?,
                tx.invitation_by_token(&token(2))?,
                tx.invitation_by_token(&token(3))?
            )
        ),
        format!("pending: {:?}", (tx.pending_invitations_to("cy@acme.com")?, tx.pending_invitations_by(c.bo.id)?)),
        format!(
            "emails: {:?}",
            [tx.email(w.email.id)?, tx.email(c.email.id)?]
                .into_iter()
                .map(|e| e.map(|e| (e.text.clone(), e.html.clone(), e)))
                .collect::<Vec<_>>()
        ),
        format!("due: {:?}", tx.due_emails(at(10_000), 10)?.iter().map(|e| e.id).collect::<Vec<_>>()),
        format!("events: {:?}", tx.events(org, 0, 10)?),
        format!("threads: {:?}", (tx.thread(w.thread.id)?, tx.thread(c.thread.id)?)),
        format!("participants: {:?}", (tx.participants(w.thread.id)?, tx.participants(c.thread.id)?)),
        format!("threads of: {:?}", (tx.threads_of(w.ann.id)?, tx.threads_of(c.bo.id)?)),
        format!("search: {:?}", search(tx, w.ann.id, &words("portfolio"), None, 10)?),
        format!(
            "sends: {:?}",
            (times(tx, org, &SendKey::Org, at(0))?, nth_latest(tx, org, &SendKey::Inviter(c.bo.id), at(0), 1)?)
        ),
        format!("template: {:?}", tx.template(org, EmailKind::Invitation)?),
        format!(
            "join requests: {:?}",
            (tx.join_requests(org)?, tx.join_request(c.request.id)?, tx.join_requests_from(org, "di@acme.com")?)
        ),
        format!("domains: {:?}", tx.domain_verifications(org)?),
    ])
}

/// A write closure that fails, by its own error or by a write the store
/// refuses, leaves nothing behind; the same writes then succeed.
fn a_failed_write_leaves_nothing_behind<S: Store>(store: &S) {
    let w = world(store);
    let c = changes(&w);
    let before = read_ok(store, |tx| snapshot(tx, &w, &c));
    let own_error = store.write(|tx| -> Result<()> {
        apply(tx, &w, &c)?;
        Err(Error::InvalidInput("the host gave up".into()))
    });
    assert_eq!(answer(own_error), "invalid_input");
    assert_eq!(read_ok(store, |tx| snapshot(tx, &w, &c)), before, "after the closure's own error");
    let refused = store.write(|tx| {
        apply(tx, &w, &c)?;
        tx.insert_org(&w.acme)
    });
    assert_eq!(answer(refused), "conflict");
    assert_eq!(read_ok(store, |tx| snapshot(tx, &w, &c)), before, "after a refused write");
    write_ok(store, |tx| apply(tx, &w, &c));
    let after = read_ok(store, |tx| snapshot(tx, &w, &c));
    let changed = before.iter().zip(&after).filter(|(b, a)| b != a).count();
    assert_eq!(changed, before.len(), "the same writes, committed, change every line:\n{before:#?}\n{after:#?}");
}

/// A write closure that panics is rolled back, and the store goes on working.
fn a_panicking_write_is_rolled_back<S: Store>(store: &S) {
    let w = world(store);
    let c = changes(&w);
    let before = read_ok(store, |tx| snapshot(tx, &w, &c));
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        store.write(|tx| -> Result<()> {
            apply(tx, &w, &c)?;
            panic!("host code panicked mid-transaction (expected by the test)");
        })
    }));
    assert!(outcome.is_err(), "the panic goes through to the caller");
    assert_eq!(read_ok(store, |tx| snapshot(tx, &w, &c)), before, "after the panic");
    write_ok(store, |tx| apply(tx, &w, &c));
    let after = read_ok(store, |tx| snapshot(tx, &w, &c));
    assert_ne!(after, before, "the store still takes writes");
    assert_eq!(read_ok(store, |tx| tx.org_by_slug("beta")), Some(c.beta.clone()));
}

// ---------------------------------------------------------------------------
// Differential checks against the memory store
// ---------------------------------------------------------------------------

/// A seeded random send log answers every window and time query as the
/// memory store's does: sends at the same instant, at and just before hour
/// boundaries, a little back in time, hours apart (so the stores prune), and
/// windows from the future to 47 hours back (the stores keep 48).
fn send_windows_match_the_memory_store<S: Store>(store: &S) {
    let reference = MemoryStore::new();
    let acme = new_org("acme");
    let beta = new_org("beta");
    let setup = |tx: &mut dyn WriteTx| {
        tx.insert_org(&acme)?;
        tx.insert_org(&beta)
    };
    write_ok(store, setup);
    write_ok(&reference, setup);
    let keys = [
        SendKey::Org,
        SendKey::Inviter(MemberId::new()),
        SendKey::Address("ann@acme.com".into()),
        SendKey::Address("bo@acme.com".into()),
    ];
    let mut rng = Rng(0x5EED_0000_0000_0007);
    let mut now = ManualClock::START.as_millis() + 123;
    let mut latest = now;
    let mut sent: Vec<i64> = Vec::new();
    let mut counted = 0;
    let (mut found, mut asked) = (0u64, 0u64);
    for round in 0..300 {
        now = match rng.below(12) {
            0 | 1 => now,
            2 => now - rng.below(3_600_000) as i64,
            3 => (now.div_euclid(HOUR_MS) + 1) * HOUR_MS,
            4 => (now.div_euclid(HOUR_MS) + 1) * HOUR_MS - 1,
            5 => now + rng.below(6) as i64 * HOUR_MS + rng.below(1000) as i64,
            _ => now + rng.below(900_000) as i64,
        };
        latest = latest.max(now);
        sent.push(now);
        let org = if rng.below(5) == 0 { beta.id } else { acme.id };
        let used: Vec<SendKey> = keys.iter().filter(|_| rng.below(3) > 0).cloned().collect();
        let when = Timestamp::from_millis(now);
        write_ok(store, |tx| record(tx, org, &used, when));
        write_ok(&reference, |tx| record(tx, org, &used, when));
        if round % 5 != 0 {
            continue;
        }
        let oldest = latest - 47 * HOUR_MS;
        for org in [acme.id, beta.id] {
            for key in &keys {
                for _ in 0..3 {
                    let since = match rng.below(5) {
                        0 => *rng.pick(&sent),
                        1 => (latest - rng.below(48) as i64 * HOUR_MS).div_euclid(HOUR_MS) * HOUR_MS,
                        2 => latest + rng.below(2 * 3_600_000) as i64,
                        _ => oldest + rng.below(49 * 3_600_000) as i64,
                    };
                    let since = Timestamp::from_millis(since.max(oldest));
                    let nth = match rng.below(6) {
                        0 => 0,
                        1 => 1,
                        _ => 1 + rng.below(80),
                    };
                    let expected = read_ok(&reference, |tx| nth_latest(tx, org, key, since, nth));
                    found += u64::from(expected.is_some());
                    asked += 1;
                    let got = read_ok(store, |tx| nth_latest(tx, org, key, since, nth));
                    assert_eq!(got, expected, "round {round}: nth_latest_send({key:?}, since {since:?}, nth {nth})");
                    let expected = read_ok(&reference, |tx| times(tx, org, key, since));
                    counted += expected.len();
                    let got = read_ok(store, |tx| times(tx, org, key, since));
                    assert_eq!(got, expected, "round {round}: send_times({key:?}, since {since:?})");
                }
            }
        }
    }
    assert!(counted > 1000, "the windows count sends ({counted})");
    assert!(found > 100 && asked - found > 100, "both answers are asked for: {found} of {asked} found");
}

const VOCAB: [&str; 14] = [
    "José",
    "Pérez",
    "logo",
    "redesign",
    "LOGOS",
    "portfolio",
    "Ærø",
    "ünïcode",
    "x1",
    "x10",
    "ｆｕｌｌ",
    "node.js",
    // Longer than the PostgreSQL store indexes whole (64 characters).
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaax",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaay",
];

const THREAD_QUERIES: [&str; 23] = [
    "",
    "jose",
    "JOSÉ",
    "jo",
    "perez",
    "logo",
    "logos red",
    "l",
    "ærø",
    "unicode",
    "x1",
    "full",
    "ｆｕｌｌ",
    "node js",
    "zzz",
    "p p",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaax",
    "aaaa logo",
    "zoë",
    "zephyr",
    "zeph lo",
];

const MEMBER_QUERIES: [&str; 14] = [
    "a",
    "m0",
    "bo",
    "jo pe",
    "ann@",
    "m2.ann@acme.com",
    "zz",
    "ü",
    "aaaaaaaa",
    "pérez",
    "PEREZ",
    "x1 x10",
    "",
    "ｆｕｌｌ",
];

type Step = Box<dyn Fn(&mut dyn WriteTx) -> Result<()>>;

/// Runs the same steps on the store and on the reference.
fn replay<S: Store>(store: &S, reference: &MemoryStore, script: &[Step]) {
    for step in script {
        write_ok(store, |tx| step(tx));
        write_ok(reference, |tx| step(tx));
    }
}

/// Every page of every query, for each member, as the reference answers.
fn assert_searches_match<S: Store>(
    store: &S,
    reference: &MemoryStore,
    members: &[Member],
    page_size: usize,
    max_pages: usize,
) {
    let mut found = 0;
    for m in members {
        for q in THREAD_QUERIES {
            let terms = words(q);
            let mut cursor: Option<ThreadCursor> = None;
            for page in 0..max_pages {
                let expected = read_ok(reference, |tx| search(tx, m.id, &terms, cursor.as_ref(), page_size));
                let got = read_ok(store, |tx| search(tx, m.id, &terms, cursor.as_ref(), page_size));
                assert_eq!(got, expected, "search_threads({:?}, {q:?}), page {page} of {page_size}", m.name);
                found += expected.len();
                let Some(last) = expected.last() else { break };
                cursor = Some(ThreadCursor { last_activity_at: last.last_activity_at, thread_id: last.id });
            }
        }
        let expected = read_ok(reference, |tx| tx.threads_of(m.id));
        assert_eq!(read_ok(store, |tx| tx.threads_of(m.id)), expected, "threads_of({:?})", m.name);
    }
    assert!(found > 100, "the queries find threads ({found})");
}

/// Seeded random members, threads, participants (some without read) and
/// messages, then renames, deactivations, permission changes and removals:
/// `find_members` and `search_threads` answer every query, page by page, as
/// the memory store does.
fn search_and_find_match_the_memory_store<S: Store>(store: &S) {
    let reference = MemoryStore::new();
    let mut rng = Rng(0x5EED_0000_0000_0042);
    let acme = new_org("acme");
    let beta = new_org("beta");
    let mut members = Vec::new();
    for i in 0..7 {
        let name = format!("{} {}", rng.pick(&VOCAB[..12]), rng.pick(&VOCAB));
        let mut m = new_member(&acme, &format!("m{i}.{}@acme.com", if i % 2 == 0 { "ann" } else { "bo" }), &name);
        if i == 5 {
            m.status = MemberStatus::Deactivated;
        }
        members.push(m);
    }
    // The same names in another organization: never found from acme.
    let strangers: Vec<Member> =
        members.iter().enumerate().map(|(i, m)| new_member(&beta, &format!("m{i}.ann@acme.com"), &m.name)).collect();
    let mut script: Vec<Step> = Vec::new();
    {
        let (acme, beta, members, strangers) = (acme.clone(), beta.clone(), members.clone(), strangers.clone());
        script.push(Box::new(move |tx| {
            tx.insert_org(&acme)?;
            tx.insert_org(&beta)?;
            for m in members.iter().chain(&strangers) {
                tx.insert_member(m)?;
            }
            Ok(())
        }));
    }
    let mut now = ManualClock::START.plus_secs(1);
    let mut seats: Vec<(ThreadId, MemberId)> = Vec::new();
    for i in 0..40 {
        // Now and then several threads at the same instant: ties go by id.
        if rng.below(4) > 0 {
            now = now.plus_secs(1 + rng.below(3) as i64);
        }
        // Every tenth thread is beta's, with beta's members in it.
        let (org, people) = if i % 10 == 9 { (&beta, &strangers) } else { (&acme, &members) };
        let t = Thread {
            title: format!("{} {}", rng.pick(&VOCAB), rng.pick(&VOCAB)),
            freelancer_name: (*rng.pick(&VOCAB)).to_owned(),
            freelancer_id: format!("fl-{i}"),
            ..new_thread(org, &people[0], "", now)
        };
        let mut who: Vec<(MemberId, u8)> = Vec::new();
        for m in people {
            if rng.below(2) == 0 {
                who.push((m.id, 1 + rng.below(31) as u8));
                seats.push((t.id, m.id));
            }
        }
        let bodies: Vec<(String, Timestamp)> = (0..rng.below(4))
            .map(|_| {
                let body = (0..3).map(|_| *rng.pick(&VOCAB)).collect::<Vec<_>>().join(" ");
                (body, now.plus_secs(rng.below(100) as i64 - 20))
            })
            .collect();
        script.push(Box::new(move |tx| {
            tx.insert_thread(&t)?;
            for (m, bits) in &who {
                tx.insert_participant(&Participant {
                    thread_id: t.id,
                    member_id: *m,
                    permissions: PermissionSet::from_bits(*bits).unwrap(),
                    added_by: None,
                    added_at: t.created_at,
                })?;
            }
            for (body, sent) in &bodies {
                tx.insert_message(&new_message(&t, body, *sent))?;
            }
            Ok(())
        }));
    }
    replay(store, &reference, &script);
    assert_searches_match(store, &reference, &members, 4, usize::MAX);
    assert_finds_match(store, &reference, acme.id);

    // Then changes: names, statuses, permissions, seats.
    let mut script: Vec<Step> = Vec::new();
    for _ in 0..12 {
        match rng.below(3) {
            0 => {
                let mut m = rng.pick(&members).clone();
                m.name = format!("{} {}", rng.pick(&VOCAB), rng.pick(&VOCAB[..12]));
                m.status = if rng.below(3) == 0 { MemberStatus::Deactivated } else { MemberStatus::Active };
                let i = members.iter().position(|x| x.id == m.id).unwrap();
                members[i] = m.clone();
                script.push(Box::new(move |tx| tx.update_member(&m)));
            }
            1 => {
                let (t, m) = *rng.pick(&seats);
                let bits = rng.below(32) as u8;
                script.push(Box::new(move |tx| match tx.participant(t, m)? {
                    Some(p) => tx
                        .update_participant(&Participant { permissions: PermissionSet::from_bits(bits).unwrap(), ..p }),
                    None => Ok(()),
                }));
            }
            _ => {
                let (t, m) = *rng.pick(&seats);
                script.push(Box::new(move |tx| tx.remove_participant(t, m).map(drop)));
            }
        }
    }
    replay(store, &reference, &script);
    assert_searches_match(store, &reference, &members, 3, usize::MAX);
    assert_finds_match(store, &reference, acme.id);
}

fn assert_finds_match<S: Store>(store: &S, reference: &MemoryStore, org: OrgId) {
    for q in MEMBER_QUERIES {
        let terms = coworker_terms(q);
        for limit in [1, 3, 100] {
            let expected = read_ok(reference, |tx| find(tx, org, &terms, limit));
            let got = read_ok(store, |tx| find(tx, org, &terms, limit));
            assert_eq!(got, expected, "find_members({q:?}, limit {limit})");
        }
    }
}

/// A member in more threads than the SQLite store walks one by one (2,000):
/// its search through the organization's word index answers as the memory
/// store does.
fn search_past_the_sqlite_walk_limit_matches_the_memory_store<S: Store>(store: &S) {
    let reference = MemoryStore::new();
    let mut rng = Rng(0x5EED_0000_0000_2001);
    let acme = new_org("acme");
    let busy = new_member(&acme, "busy@acme.com", "Busy Bee");
    let light = new_member(&acme, "light@acme.com", "Light Touch");
    let mut script: Vec<Step> = Vec::new();
    {
        let (acme, busy, light) = (acme.clone(), busy.clone(), light.clone());
        script.push(Box::new(move |tx| {
            tx.insert_org(&acme)?;
            tx.insert_member(&busy)?;
            tx.insert_member(&light)
        }));
    }
    let mut now = ManualClock::START;
    for _ in 0..5 {
        let mut batch = Vec::new();
        for _ in 0..420 {
            now = now.plus_secs(rng.below(3) as i64);
            // A word few threads have, so that SQLite searches from the
            // organization's words as well as by walking the member's threads.
            let rare = if rng.below(70) == 0 { " zephyr" } else { "" };
            let t = Thread {
                title: format!("{} {}{rare}", rng.pick(&VOCAB), rng.pick(&VOCAB)),
                freelancer_name: (*rng.pick(&VOCAB)).to_owned(),
                ..new_thread(&acme, &busy, "", now)
            };
            let busy_bits = if rng.below(10) == 0 { 2 } else { 1 + rng.below(31) as u8 };
            let light_too = rng.below(20) == 0;
            let body = (rng.below(3) == 0).then(|| {
                ((0..2).map(|_| *rng.pick(&VOCAB)).collect::<Vec<_>>().join(" "), now.plus_secs(rng.below(9) as i64))
            });
            batch.push((t, busy_bits, light_too, body));
        }
        let (busy, light) = (busy.id, light.id);
        script.push(Box::new(move |tx| {
            for (t, busy_bits, light_too, body) in &batch {
                tx.insert_thread(t)?;
                let mut p = Participant {
                    thread_id: t.id,
                    member_id: busy,
                    permissions: PermissionSet::from_bits(*busy_bits).unwrap(),
                    added_by: None,
                    added_at: t.created_at,
                };
                tx.insert_participant(&p)?;
                if *light_too {
                    p.member_id = light;
                    p.permissions = PermissionSet::ALL;
                    tx.insert_participant(&p)?;
                }
                if let Some((body, sent)) = body {
                    tx.insert_message(&new_message(t, body, *sent))?;
                }
            }
            Ok(())
        }));
    }
    replay(store, &reference, &script);
    assert_searches_match(store, &reference, &[busy, light], 50, 4);
}
