//! The help article's two flows, end to end, printing what a person would see:
//! inviting a coworker to the company, then bringing coworkers into a
//! conversation with a freelancer.
//!
//! Run with `cargo run --example quickstart`. It keeps everything in a fresh
//! SQLite file (the embedded default store), `invitekit-demo.db` in the
//! system's temporary directory, left in place afterwards for a look with
//! `sqlite3`. `cargo run --example quickstart -- URL` runs it on another store
//! (`memory:`, `sqlite:PATH`, or an empty `postgres://...` database).

use invitekit::{Grant, InviteKit, InviteOptions, ManualClock, Policy, Result, SettingsUpdate};

fn main() {
    if let Err(e) = run() {
        eprintln!("error [{}]: {e}", e.code());
        std::process::exit(1);
    }
}

fn rule(title: &str) {
    println!("\n=== {title} {}", "=".repeat(70usize.saturating_sub(title.len())));
}

fn run() -> Result<()> {
    let url = match std::env::args().nth(1) {
        Some(url) => url,
        None => {
            let path = std::env::temp_dir().join("invitekit-demo.db");
            // A fresh file each run: the demo creates its organization anew.
            for suffix in ["", "-wal", "-shm"] {
                let mut file = path.clone().into_os_string();
                file.push(suffix);
                if let Err(e) = std::fs::remove_file(&file)
                    && e.kind() != std::io::ErrorKind::NotFound
                {
                    let file = std::path::Path::new(&file).display();
                    return Err(invitekit::Error::Storage(format!("removing {file}: {e}")));
                }
            }
            format!("sqlite:{}", path.display())
        }
    };
    let clock = ManualClock::new();
    // The default policy, except that a `member`'s invitations wait for a
    // manager's approval (section 6).
    let policy = Policy::default().with_invites_needing_approval(&["member"])?;
    let kit = InviteKit::builder().clock(clock.clone()).policy(policy).open(&url)?;
    println!("Store: {url}");

    let org = kit.create_organization("Acme Corp", "acme", "https://acme.example.com/portal", &["acme.com"])?;
    let alice = kit.add_member(org.id, "alice@acme.com", "Alice Smith", "full")?;
    let design = kit.create_team(org.id, "Design")?;
    println!("{} ({}) — {} is signed in with role `{}`", org.name, org.portal_url, alice.name, alice.role);

    rule("1. Invite a coworker");
    println!("Alice opens \"Invite a coworker\", types bob@acme.com, a message, picks the Design team");
    println!("and makes Bob a recruiter, so that he can interview freelancers.");
    let draft = kit.draft_invitation(
        alice.id,
        "bob@acme.com",
        InviteOptions::new()
            .message("Welcome aboard, Bob!\nLooking forward to working with you.")
            .team(design.id)
            .role("recruiter"),
    )?;
    println!("Join link (copy it if you like): {}", draft.link());
    println!("The link expires {}", draft.expires_at().human());

    rule("2. Preview");
    let email = draft.preview();
    println!("To:      {}", email.to);
    println!("Subject: {}", email.subject);
    println!("{}", email.text);
    println!("(and an HTML part of {} bytes)", email.html.len());

    rule("3. Send");
    let inv = kit.send_invitation(&draft, true)?;
    println!("Invitation {} is {} until {}", inv.id, inv.status.as_str(), inv.expires_at.human());
    for out in kit.outbox_pending(10)? {
        println!("Outbox -> delivering \"{}\" to {}", out.subject, out.to);
        kit.outbox_ack(out.id)?;
    }

    rule("4. Bob opens the link");
    let peek = kit.peek_invitation(draft.link())?;
    println!(
        "Landing page: {} invited {} to {}{}",
        peek.inviter_name,
        peek.email,
        peek.organization_name,
        if peek.team_names.is_empty() { String::new() } else { format!(" (team {})", peek.team_names.join(", ")) }
    );
    clock.advance(3600);
    let bob = kit.accept_invitation(draft.link(), "bob@acme.com", "Bob Jones")?.member;
    println!("Bob joined as `{}`, in {} team(s)", bob.role, bob.team_ids.len());
    match kit.accept_invitation(draft.link(), "bob@acme.com", "Bob Jones") {
        Err(e) => println!("Opening the same link again: {} ({})", e, e.code()),
        Ok(_) => println!("unexpected: the link worked twice"),
    }

    rule("5. Invite a coworker to join a message");
    let thread = kit.start_thread(alice.id, "fl-42", "José Pérez", "Logo redesign")?;
    kit.post_message(alice.id, thread.id, "Could you share your portfolio?")?;
    kit.post_freelancer_message(thread.id, "Sure — here it is.")?;
    let found = kit.search_threads(alice.id, "jose", 20, None)?;
    println!("Search \"jose\": {:?}", found.threads.iter().map(|t| t.title.as_str()).collect::<Vec<_>>());
    let people = kit.people(alice.id, thread.id)?;
    println!("People: {} (freelancer), {}", people.freelancer_name, names(&people));
    let coworkers = kit.find_coworkers(alice.id, "bo", 10)?;
    println!("Add a coworker, typing \"bo\": {:?}", coworkers.iter().map(|m| m.name.as_str()).collect::<Vec<_>>());
    println!("Alice's options: {:?}", kit.permission_options(alice.id, thread.id)?);
    kit.add_to_thread(alice.id, thread.id, bob.id, &Grant::preset("interviewer"))?;
    println!("Bob's options:   {:?}", kit.permission_options(bob.id, thread.id)?);

    let invited =
        kit.invite_to_thread(alice.id, thread.id, "carol@acme.com", &Grant::preset("viewer"), InviteOptions::new())?;
    println!("Carol is not a member yet: she was {} by email", invited.kind.as_str());
    let mut carol_link = None;
    for out in kit.outbox_pending(10)? {
        println!("Outbox -> \"{}\" to {}", out.subject, out.to);
        carol_link = out.text.lines().find(|l| l.contains("/join/")).map(|l| l.trim().to_owned());
        kit.outbox_ack(out.id)?;
    }
    if let Some(link) = carol_link {
        let acceptance = kit.accept_invitation(&link, "carol@acme.com", "Carol Diaz")?;
        println!("Carol accepted; grants dropped: {}", acceptance.dropped_grants.len());
    }
    let people = kit.people(alice.id, thread.id)?;
    println!("People now: {}", names(&people));

    rule("6. Beyond the help article: a redirect and an approval");
    // After accepting, the host sends the new member where the invitation
    // says, but only to an origin the organization listed.
    let origins = SettingsUpdate { redirect_origins: Some(vec!["https://app.acme.com".into()]), ..Default::default() };
    kit.set_organization_settings(alice.id, org.id, &origins)?;
    let draft = kit.draft_invitation(
        alice.id,
        "erin@acme.com",
        InviteOptions::new().redirect_url("https://app.acme.com/onboarding?step=1"),
    )?;
    kit.send_invitation(&draft, false)?;
    println!("Erin's landing page sends her on to {:?}", kit.peek_invitation(draft.link())?.redirect_url);
    let erin = kit.accept_invitation(draft.link(), "erin@acme.com", "Erin Ito")?;
    println!("Erin accepted; the host redirects her to {:?}", erin.redirect_url);
    let evil = kit.draft_invitation(alice.id, "x@acme.com", InviteOptions::new().redirect_url("https://evil.example/"));
    println!(
        "A redirect to another origin: {}",
        evil.map(|_| "accepted?!".to_owned()).unwrap_or_else(|e| e.code().to_owned())
    );

    // Carol is a `member`: her invitations wait for a manager.
    let carol = kit.list_members(org.id)?.into_iter().find(|m| m.email == "carol@acme.com");
    if let Some(carol) = carol {
        let draft = kit.draft_invitation(carol.id, "dan@acme.com", InviteOptions::new().message("Dan knows logos."))?;
        let inv = kit.send_invitation(&draft, true)?;
        println!(
            "Carol invites dan@acme.com: the invitation is {} (needs approval: {})",
            inv.status.as_str(),
            draft.needs_approval()
        );
        for out in kit.outbox_pending(10)? {
            println!("Outbox -> \"{}\" to {}", out.subject, out.to);
            kit.outbox_ack(out.id)?;
        }
        let approved = kit.approve_invitation(alice.id, inv.id)?;
        println!(
            "Alice approves: the invitation is {} until {}",
            approved.status.as_str(),
            approved.expires_at.human()
        );
        for out in kit.outbox_pending(10)? {
            println!("Outbox -> \"{}\" to {}", out.subject, out.to);
            kit.outbox_ack(out.id)?;
        }
    }

    rule("Audit log");
    for e in kit.events(alice.id, None, 100)? {
        println!("#{:<3} {:<32} {}", e.seq, e.kind.as_str(), e.at);
    }
    Ok(())
}

fn names(people: &invitekit::People) -> String {
    people.participants.iter().map(|p| format!("{} {:?}", p.name, p.permissions.names())).collect::<Vec<_>>().join(", ")
}
