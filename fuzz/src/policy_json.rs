//! `policy_json`: loading a policy (docs/rules.md#custom-policies). Raw text, structured documents
//! that are mostly well formed (so that the fuzzer gets past the JSON syntax
//! to the rules between roles and presets), and documents built to follow every
//! rule go through [`Policy::from_json`]. Nothing may panic; every refusal is
//! `invalid_input`; a loaded policy satisfies every rule `from_json` promises to
//! validate, round-trips through [`Policy::to_json`], and answers R4 and R5
//! consistently.

use arbitrary::{Arbitrary, Unstructured};
use invitekit::{GrantCheck, Permission, PermissionSet, Policy, Role};
use serde_json::{Value, json};

use crate::check_error;

/// One input.
#[derive(Arbitrary, Debug)]
pub enum Input {
    /// Any text, as a host might pass a file's content.
    Raw(String),
    /// A document of the right shape, with names mostly from a small pool so
    /// that references resolve, and some fields out of shape.
    Doc(PolicyDoc),
    /// A document pruned until it follows every rule: it must load.
    Valid(ValidSeed),
}

/// Runs one input.
pub fn run(data: &[u8]) {
    let Ok(input) = Input::arbitrary_take_rest(Unstructured::new(data)) else { return };
    match input {
        Input::Raw(text) => load(&text),
        Input::Doc(doc) => load(&doc.to_json().to_string()),
        Input::Valid(seed) => {
            let text = seed.to_json().to_string();
            match Policy::from_json(&text) {
                Ok(p) => check_policy(&p),
                Err(e) => panic!("a policy that follows every rule is refused: {e}\n{text}"),
            }
        }
    }
}

fn load(text: &str) {
    match Policy::from_json(text) {
        Ok(p) => check_policy(&p),
        Err(e) => {
            check_error(&e);
            assert_eq!(e.code(), "invalid_input", "{e}");
        }
    }
}

/// Everything `from_json` promises about a policy it accepted.
pub fn check_policy(p: &Policy) {
    let roles = p.roles();
    let presets = p.presets();
    assert!(!roles.is_empty() && roles.len() <= 64 && presets.len() <= 64);
    assert!(p.role(p.default_role()).is_some(), "the default role is not a role");
    assert!(roles.iter().any(Role::manages_organization), "no role manages the organization");
    let valid_name = |n: &str| {
        n.len() <= 64
            && n.starts_with(|c: char| c.is_ascii_lowercase())
            && n.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    };
    for (i, pr) in presets.iter().enumerate() {
        assert!(valid_name(pr.name()), "preset name {:?}", pr.name());
        assert!(!pr.permissions().is_empty(), "preset `{}` gives nothing", pr.name());
        assert!(presets[..i].iter().all(|q| q.name() != pr.name()), "preset `{}` twice", pr.name());
        assert_eq!(p.preset(pr.name()), Some(pr));
    }
    for (i, r) in roles.iter().enumerate() {
        assert!(valid_name(r.name()), "role name {:?}", r.name());
        assert!(roles[..i].iter().all(|q| q.name() != r.name()), "role `{}` twice", r.name());
        assert_eq!(p.role(r.name()), Some(r));
        // No role may grant more than it can hold.
        let mut grantable = PermissionSet::EMPTY;
        for name in r.grantable_presets() {
            let pr = p.preset(name).unwrap_or_else(|| panic!("role `{}` grants unknown preset `{name}`", r.name()));
            grantable = grantable.union(pr.permissions());
        }
        assert_eq!(grantable, r.grantable_permissions(), "role `{}`: grantable permissions", r.name());
        assert!(
            grantable.is_subset(r.thread_ceiling()),
            "role `{}` may grant {:?} beyond its ceiling {:?}",
            r.name(),
            grantable,
            r.thread_ceiling()
        );
        assert_eq!(r.may_invite(), !r.invitable_roles().is_empty(), "role `{}`: may_invite", r.name());
        // No role may invite a role more powerful than itself.
        for name in r.invitable_roles() {
            let invitee = p.role(name).unwrap_or_else(|| panic!("role `{}` invites unknown role `{name}`", r.name()));
            assert!(r.may_give_role(name));
            let stronger = !invitee.thread_ceiling().is_subset(r.thread_ceiling())
                || !invitee.grantable_permissions().is_subset(r.grantable_permissions())
                || (invitee.may_assign_team() && !r.may_assign_team())
                || (invitee.manages_organization() && !r.manages_organization())
                // A role whose invitations need approval may not give one
                // whose invitations do not (an escalation by proxy).
                || (r.invites_need_approval() && !invitee.invites_need_approval())
                || invitee.invitable_roles().iter().any(|x| !r.may_give_role(x));
            assert!(!stronger, "role `{}` may invite the more powerful role `{name}`", r.name());
        }
        for other in roles {
            assert_eq!(r.may_give_role(other.name()), r.invitable_roles().iter().any(|x| x == other.name()));
        }
        assert!(!r.may_give_role("") && !r.may_give_role("*"));
    }
    assert!(p.role("").is_none() && p.preset("").is_none());

    // It reads back as the same policy.
    let text = p.to_json();
    match Policy::from_json(&text) {
        Ok(again) => assert_eq!(&again, p, "to_json does not round-trip:\n{text}"),
        Err(e) => panic!("to_json gives a document from_json refuses: {e}\n{text}"),
    }

    // R4 and R5 agree with their definition, for every holding and grant (a
    // sample of roles, to keep a run fast on 64-role policies).
    for actor in roles.iter().take(6) {
        for holds in 0u8..32 {
            let holds = PermissionSet::from_bits(holds).unwrap_or(PermissionSet::EMPTY);
            let options: Vec<&str> = p.permission_options(actor, holds).iter().map(|pr| pr.name()).collect();
            let iter: Vec<&str> = p.iter_permission_options(actor, holds).map(|pr| pr.name()).collect();
            assert_eq!(options, iter);
            let expected: Vec<&str> = presets
                .iter()
                .filter(|pr| {
                    holds.contains(Permission::ManagePeople)
                        && pr.permissions().is_subset(holds.intersection(actor.grantable_permissions()))
                })
                .map(|pr| pr.name())
                .collect();
            assert_eq!(options, expected, "R5 for `{}` holding {holds:?}", actor.name());
            for target in roles.iter().take(6) {
                for perms in 1u8..32 {
                    let perms = PermissionSet::from_bits(perms).unwrap_or(PermissionSet::EMPTY);
                    let expected = if !holds.contains(Permission::ManagePeople) || !perms.is_subset(holds) {
                        Err(GrantCheck::ActorHoldings)
                    } else if !perms.is_subset(actor.grantable_permissions()) {
                        Err(GrantCheck::RoleGrantable)
                    } else if !perms.is_subset(target.thread_ceiling()) {
                        Err(GrantCheck::TargetCeiling)
                    } else {
                        Ok(())
                    };
                    assert_eq!(p.check_grant(actor, holds, target, perms), expected);
                    // The error form, on the holdings that matter most (it formats a message).
                    if holds == actor.thread_ceiling() || holds == PermissionSet::ALL {
                        match p.require_grant(actor, holds, target, perms) {
                            Ok(()) => assert!(expected.is_ok()),
                            Err(e) => {
                                check_error(&e);
                                assert_eq!(e.code(), "permission_denied");
                                assert!(expected.is_err());
                            }
                        }
                    }
                }
            }
            // Every option R5 shows passes R4 for a target that can hold it.
            for name in &options {
                let pr = p.preset(name).unwrap_or_else(|| panic!("unknown option `{name}`"));
                for target in roles.iter().filter(|t| pr.permissions().is_subset(t.thread_ceiling())) {
                    assert_eq!(p.check_grant(actor, holds, target, pr.permissions()), Ok(()));
                }
            }
        }
    }
}

// --- Structured documents ----------------------------------------------------

/// A name: mostly one of a small pool (so that references resolve), sometimes anything.
#[derive(Arbitrary, Debug, Clone)]
pub enum Name {
    /// `r0`..`r7` for roles, `p0`..`p7` for presets.
    Pool(u8),
    /// Any string.
    Raw(String),
}

/// A permission name: one of the five, or anything.
#[derive(Arbitrary, Debug, Clone)]
pub enum PermName {
    /// One of the five, by index.
    Known(u8),
    /// Any string.
    Raw(String),
}

/// `invitable_roles`.
#[derive(Arbitrary, Debug, Clone)]
pub enum InvitableDoc {
    /// `"*"`.
    Any,
    /// A list of role names.
    List(Vec<Name>),
    /// Any other string.
    Other(String),
    /// A number, an object: the wrong type.
    WrongType(u8),
}

/// A preset entry.
#[derive(Arbitrary, Debug, Clone)]
pub struct PresetDoc {
    name: Name,
    permissions: Vec<PermName>,
}

/// A role entry.
#[derive(Arbitrary, Debug, Clone)]
pub struct RoleDoc {
    name: Name,
    may_invite: bool,
    may_assign_team: bool,
    manages_organization: bool,
    invitable_roles: InvitableDoc,
    thread_ceiling: Vec<PermName>,
    grantable_presets: Vec<Name>,
    /// Modulo 16: drop a field (0), add an unknown one (1), or neither; and
    /// `invites_need_approval` true (2 to 5), false (6), of the wrong type
    /// (7), or absent.
    defect: u8,
}

/// A policy document.
#[derive(Arbitrary, Debug, Clone)]
pub struct PolicyDoc {
    presets: Vec<PresetDoc>,
    roles: Vec<RoleDoc>,
    default_role: Name,
    /// Drop a top-level field (0), add an unknown one (1), or neither.
    defect: u8,
}

fn name(n: &Name, prefix: char) -> Value {
    match n {
        Name::Pool(i) => Value::from(format!("{prefix}{}", i % 8)),
        Name::Raw(s) => Value::from(s.as_str()),
    }
}

fn perm(p: &PermName) -> Value {
    match p {
        PermName::Known(i) => Value::from(Permission::ALL[usize::from(*i) % 5].as_str()),
        PermName::Raw(s) => Value::from(s.as_str()),
    }
}

fn with_defect(mut v: Value, defect: u8, drop: &str) -> Value {
    if let Some(obj) = v.as_object_mut() {
        match defect {
            0 => {
                obj.remove(drop);
            }
            1 => {
                obj.insert("admin".into(), Value::Bool(true));
            }
            _ => {}
        }
    }
    v
}

impl PolicyDoc {
    /// The document as JSON.
    pub fn to_json(&self) -> Value {
        let presets: Vec<Value> = self
            .presets
            .iter()
            .map(|p| json!({"name": name(&p.name, 'p'), "permissions": p.permissions.iter().map(perm).collect::<Vec<_>>()}))
            .collect();
        let roles: Vec<Value> = self
            .roles
            .iter()
            .map(|r| {
                let invitable = match &r.invitable_roles {
                    InvitableDoc::Any => Value::from("*"),
                    InvitableDoc::List(l) => l.iter().map(|n| name(n, 'r')).collect(),
                    InvitableDoc::Other(s) => Value::from(s.as_str()),
                    InvitableDoc::WrongType(0) => json!({"*": true}),
                    InvitableDoc::WrongType(n) => Value::from(*n),
                };
                let mut doc = json!({
                    "name": name(&r.name, 'r'),
                    "may_invite": r.may_invite,
                    "may_assign_team": r.may_assign_team,
                    "manages_organization": r.manages_organization,
                    "invitable_roles": invitable,
                    "thread_ceiling": r.thread_ceiling.iter().map(perm).collect::<Vec<_>>(),
                    "grantable_presets": r.grantable_presets.iter().map(|n| name(n, 'p')).collect::<Vec<_>>(),
                });
                match r.defect % 16 {
                    2..=5 => doc["invites_need_approval"] = Value::Bool(true),
                    6 => doc["invites_need_approval"] = Value::Bool(false),
                    7 => doc["invites_need_approval"] = Value::from("yes"),
                    _ => {}
                }
                with_defect(doc, r.defect % 16, "invitable_roles")
            })
            .collect();
        let doc = json!({"presets": presets, "roles": roles, "default_role": name(&self.default_role, 'r')});
        with_defect(doc, self.defect % 16, "default_role")
    }
}

// --- Documents that follow every rule ------------------------------------------

/// One role of a [`ValidSeed`].
#[derive(Arbitrary, Debug, Clone, Copy)]
pub struct RoleSeed {
    /// Thread ceiling bits.
    ceiling: u8,
    /// Bit j: may grant preset j (kept only when within the ceiling).
    grant_mask: u64,
    /// Bit j: may invite role j (pruned until no invitee out-powers its
    /// inviter); bits 63, 62 and 60 pick the shapes of
    /// [`ValidSeed::to_json`]; bit 61: the role's invitations need approval.
    invite_mask: u64,
    may_assign_team: bool,
    manages_organization: bool,
}

/// The makings of a valid policy.
#[derive(Arbitrary, Debug, Clone)]
pub struct ValidSeed {
    /// Each preset's permission bits (an empty one becomes `read`).
    presets: Vec<u8>,
    roles: Vec<RoleSeed>,
    default_role: u8,
}

impl ValidSeed {
    /// A document that follows every rule of [`Policy::from_json`]: at most 8
    /// presets and 8 roles, role 0 manages the organization, grants within
    /// ceilings, and invitees no more powerful than their inviters (a role
    /// whose invitations need approval gives only roles whose invitations
    /// need it too); often an owner beside a weaker manager, twin roles, and
    /// roles whose invitations need approval.
    pub fn to_json(&self) -> Value {
        let presets: Vec<u8> = self.presets.iter().take(8).map(|b| if b & 31 == 0 { 1 } else { b & 31 }).collect();
        let seeds: Vec<RoleSeed> = if self.roles.is_empty() {
            vec![RoleSeed {
                ceiling: 31,
                grant_mask: 0,
                invite_mask: 0,
                may_assign_team: true,
                manages_organization: true,
            }]
        } else {
            self.roles.iter().take(8).copied().collect()
        };
        let n = seeds.len();
        #[derive(Clone)]
        struct R {
            ceiling: u8,
            grantable: Vec<usize>,
            grant_bits: u8,
            team: bool,
            org: bool,
            invitable: u64,
            approval: bool,
        }
        let mut rs: Vec<R> = seeds
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let ceiling = s.ceiling & 31;
                let grantable: Vec<usize> =
                    (0..presets.len()).filter(|&j| s.grant_mask >> j & 1 == 1 && presets[j] & !ceiling == 0).collect();
                let grant_bits = grantable.iter().fold(0, |a, &j| a | presets[j]);
                R {
                    ceiling,
                    grantable,
                    grant_bits,
                    team: s.may_assign_team,
                    org: s.manages_organization || i == 0,
                    invitable: s.invite_mask & ((1u64 << n) - 1),
                    approval: s.invite_mask >> 61 & 1 == 1,
                }
            })
            .collect();
        // Shapes R10–R14 are about (docs/rules.md#r14), from mask bits no
        // role uses otherwise (8 roles at most). `from_json` refuses a role
        // that may give a stronger one, so these are the closest: bit 63 of
        // role 0's `invite_mask` makes it the owner, holding and granting
        // everything and giving every role (`"*"`), beside role 1, a weaker
        // manager; bit 62 of role i's (i >= 2) makes it a twin of role i - 1,
        // equal in power under another name; bit 60 of role 0's makes the
        // default role's invitations need approval, and each role whose
        // invitations need approval give its own role and the default one
        // (where that is not stronger), so that invitations awaiting
        // approval come up often.
        let owner = seeds[0].invite_mask >> 63 == 1;
        if owner {
            let grant_bits = presets.iter().fold(0, |a, &b| a | b);
            let grantable = (0..presets.len()).collect();
            let invitable = (1u64 << n) - 1;
            rs[0] = R { ceiling: 31, grantable, grant_bits, team: true, org: true, invitable, approval: false };
            if let Some(r) = rs.get_mut(1) {
                r.org = true;
            }
        }
        let twins = |rs: &mut Vec<R>| {
            for i in 2..n {
                if seeds[i].invite_mask >> 62 & 1 == 1 {
                    rs[i] = rs[i - 1].clone();
                }
            }
        };
        twins(&mut rs);
        let default_role = usize::from(self.default_role) % n;
        if seeds[0].invite_mask >> 60 & 1 == 1 {
            rs[default_role].approval = !(owner && default_role == 0);
            for (i, r) in rs.iter_mut().enumerate() {
                if r.approval {
                    r.invitable |= 1 << i | 1 << default_role;
                }
            }
            // Twins stay equal.
            twins(&mut rs);
        }
        // Dropping one invitee can make another role stronger than its
        // inviters, so prune until nothing changes.
        loop {
            let mut changed = false;
            for i in 0..n {
                for j in 0..n {
                    if rs[i].invitable >> j & 1 == 0 {
                        continue;
                    }
                    let (a, b) = (&rs[i], &rs[j]);
                    let weaker = b.ceiling & !a.ceiling == 0
                        && b.grant_bits & !a.grant_bits == 0
                        && (!b.team || a.team)
                        && (!b.org || a.org)
                        && (!a.approval || b.approval)
                        && b.invitable & !a.invitable == 0;
                    if !weaker {
                        rs[i].invitable &= !(1 << j);
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
        let names = |bits: u8| PermissionSet::from_bits(bits).map(PermissionSet::names).unwrap_or_default();
        let roles: Vec<Value> = rs
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let invitable: Vec<String> =
                    (0..n).filter(|j| r.invitable >> j & 1 == 1).map(|j| format!("r{j}")).collect();
                let listed = if owner && i == 0 { json!("*") } else { json!(invitable) };
                let mut role = json!({
                    "name": format!("r{i}"),
                    "may_invite": !invitable.is_empty(),
                    "may_assign_team": r.team,
                    "manages_organization": r.org,
                    "invitable_roles": listed,
                    "thread_ceiling": names(r.ceiling),
                    "grantable_presets": r.grantable.iter().map(|j| format!("p{j}")).collect::<Vec<_>>(),
                });
                if r.approval {
                    role["invites_need_approval"] = Value::Bool(true);
                }
                role
            })
            .collect();
        let presets: Vec<Value> = presets
            .iter()
            .enumerate()
            .map(|(j, &b)| json!({"name": format!("p{j}"), "permissions": names(b)}))
            .collect();
        json!({"presets": presets, "roles": roles, "default_role": format!("r{default_role}")})
    }
}
