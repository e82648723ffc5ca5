//! Organizations, their settings, members and teams.

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;
use crate::email::{EmailAddress, domain_matches};
use crate::ids::{MemberId, OrgId, TeamId};
use crate::model::DomainJoin;

/// A company using the host product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Organization {
    /// Its id.
    pub id: OrgId,
    /// Display name, e.g. `Acme Corp`.
    pub name: String,
    /// Unique short name: `[a-z0-9-]{2,63}`.
    pub slug: String,
    /// The company's portal (https); join links are `{portal_url}/join/{token}`.
    pub portal_url: String,
    /// ASCII domains invitations may go to; empty means any.
    pub allowed_domains: Vec<String>,
    /// Limits and options.
    pub settings: OrgSettings,
    /// When it was created.
    pub created_at: Timestamp,
}

impl Organization {
    /// Whether `email` may be invited: its domain matches an allowed domain
    /// exactly, or as a subdomain when the settings allow subdomains.
    pub fn allows(&self, email: &EmailAddress) -> bool {
        self.allowed_domains.is_empty()
            || self.allowed_domains.iter().any(|d| domain_matches(email.domain(), d, self.settings.allow_subdomains))
    }
}

/// An organization's limits and options, each with its default ([limits](crate::rules#limits)).
///
/// A setting missing from stored settings (written before it existed) takes
/// its default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OrgSettings {
    /// How long an invitation stays valid, in seconds: 3,600 ..= 2,592,000 (1 hour .. 30 days). Default 7 days.
    pub invitation_expiry_secs: i64,
    /// How long after a send the same invitation may be resent, in seconds (0 ..= 86,400). Default 60.
    pub resend_cooldown_secs: i64,
    /// Invitations one member may send in any 24 hours (1 ..= 10,000). Default 50.
    pub max_invitations_per_inviter_per_day: u32,
    /// Invitations the organization may send in any 24 hours (1 ..= 100,000). Default 500.
    pub max_invitations_per_org_per_day: u32,
    /// Emails to one address in any 24 hours (1 ..= 100). Default 3.
    pub max_emails_per_address_per_day: u32,
    /// Pending invitations at once (1 ..= 100,000). Default 1,000.
    pub max_pending_invitations: u32,
    /// Longest personal message, in characters (0 ..= 5,000). Default 1,000.
    pub max_message_chars: u32,
    /// Whether a subdomain of an allowed (or auto-join) domain matches it. Default false.
    pub allow_subdomains: bool,
    /// Domains whose people may join without an invitation, each only once
    /// the organization has verified it ([verified
    /// domains](crate::rules#verified-domains)); never a free mail domain.
    /// Default none.
    pub auto_join_domains: Vec<String>,
    /// How joining by domain works: `off` (the default), `automatic` or
    /// `request` ([joining by domain](crate::rules#joining-by-domain)).
    pub domain_join: DomainJoin,
    /// Origins (`scheme://host[:port]`) an invitation's `redirect_url` may
    /// point to, at most 20. Default none: no redirect URL is accepted.
    pub redirect_origins: Vec<String>,
}

impl Default for OrgSettings {
    fn default() -> Self {
        OrgSettings {
            invitation_expiry_secs: 7 * 24 * 3600,
            resend_cooldown_secs: 60,
            max_invitations_per_inviter_per_day: 50,
            max_invitations_per_org_per_day: 500,
            max_emails_per_address_per_day: 3,
            max_pending_invitations: 1000,
            max_message_chars: 1000,
            allow_subdomains: false,
            auto_join_domains: Vec::new(),
            domain_join: DomainJoin::Off,
            redirect_origins: Vec::new(),
        }
    }
}

impl OrgSettings {
    /// Settings as a store keeps them (JSON). A setting missing from what
    /// was written before it existed takes its default, but for
    /// `domain_join`: settings written before it existed that list auto-join
    /// domains joined automatically then, so they read as `automatic`
    /// (those domains still join only once verified).
    pub fn from_stored_json(json: &str) -> Result<OrgSettings, serde_json::Error> {
        let value: serde_json::Value = serde_json::from_str(json)?;
        let legacy_auto_join = value.get("domain_join").is_none()
            && value.get("auto_join_domains").and_then(|d| d.as_array()).is_some_and(|d| !d.is_empty());
        let mut settings: OrgSettings = serde_json::from_value(value)?;
        if legacy_auto_join {
            settings.domain_join = DomainJoin::Automatic;
        }
        Ok(settings)
    }
}

/// Whether a member can act.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberStatus {
    /// Can act and be added to threads.
    Active,
    /// Left the organization (R7): in no thread, with no pending invitation.
    Deactivated,
}

impl MemberStatus {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            MemberStatus::Active => "active",
            MemberStatus::Deactivated => "deactivated",
        }
    }

    /// Parses a snake_case name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(MemberStatus::Active),
            "deactivated" => Some(MemberStatus::Deactivated),
            _ => None,
        }
    }
}

/// A person in an organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Member {
    /// Their id, the `actor` of every operation they make.
    pub id: MemberId,
    /// Their organization.
    pub org_id: OrgId,
    /// Their address, normalized ([email rules](crate::rules#emails)); unique in the organization.
    pub email: String,
    /// Display name.
    pub name: String,
    /// A role name from the policy.
    pub role: String,
    /// Teams they belong to.
    pub team_ids: Vec<TeamId>,
    /// Active or deactivated.
    pub status: MemberStatus,
    /// When they joined.
    pub joined_at: Timestamp,
}

impl Member {
    /// The comparison key of the member's email (normalized addresses are ASCII,
    /// so the key is the address in lower case).
    pub fn email_key(&self) -> String {
        self.email.to_ascii_lowercase()
    }

    /// `new` with `stored`'s keys (id, organization and email), which never
    /// change: what a store writes when it replaces a member's row.
    pub fn keeping_keys(stored: &Member, new: &Member) -> Member {
        Member { id: stored.id, org_id: stored.org_id, email: stored.email.clone(), ..new.clone() }
    }

    /// Whether the member is active.
    pub fn is_active(&self) -> bool {
        self.status == MemberStatus::Active
    }
}

/// A team in an organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Team {
    /// Its id.
    pub id: TeamId,
    /// Its organization.
    pub org_id: OrgId,
    /// Its name, unique in the organization regardless of case.
    pub name: String,
}

impl Team {
    /// The key that makes names unique regardless of case.
    pub fn name_key(&self) -> String {
        self.name.to_lowercase()
    }
}
