//! Joining without an invitation: how an organization lets people on its
//! domains in, their requests to join, and the domains it has proven it owns.

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;
use crate::error::{Error, Result, quote};
use crate::ids::{JoinRequestId, MemberId, OrgId};

/// How joining by domain works in an organization (its `domain_join`
/// setting; [joining by domain](crate::rules#joining-by-domain)). Whatever the
/// mode, only an address on a *verified* auto-join domain may join or ask to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DomainJoin {
    /// Nobody joins by domain (the default).
    #[default]
    Off,
    /// `join_by_domain` makes the person a member with the policy's default role.
    Automatic,
    /// `join_by_domain` makes a request to join, which a manager approves or denies.
    Request,
}

impl DomainJoin {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            DomainJoin::Off => "off",
            DomainJoin::Automatic => "automatic",
            DomainJoin::Request => "request",
        }
    }

    /// Parses a snake_case name; anything else is `invalid_input`.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "off" => Ok(DomainJoin::Off),
            "automatic" => Ok(DomainJoin::Automatic),
            "request" => Ok(DomainJoin::Request),
            other => Err(Error::invalid(format!(
                "unknown domain join mode `{}`: use `off`, `automatic` or `request`",
                quote(other)
            ))),
        }
    }
}

/// Where a request to join stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JoinRequestStatus {
    /// Waiting for a manager.
    Pending,
    /// A manager let the person in: they are a member.
    Approved,
    /// A manager refused.
    Denied,
}

impl JoinRequestStatus {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            JoinRequestStatus::Pending => "pending",
            JoinRequestStatus::Approved => "approved",
            JoinRequestStatus::Denied => "denied",
        }
    }

    /// Parses a snake_case name; anything else is `invalid_input`.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "pending" => Ok(JoinRequestStatus::Pending),
            "approved" => Ok(JoinRequestStatus::Approved),
            "denied" => Ok(JoinRequestStatus::Denied),
            other => Err(Error::invalid(format!("unknown join request status `{}`", quote(other)))),
        }
    }
}

/// Someone on a verified auto-join domain asking to join an organization
/// whose `domain_join` mode is `request`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JoinRequest {
    /// Its id.
    pub id: JoinRequestId,
    /// The organization asked.
    pub org_id: OrgId,
    /// The verified address that asks, normalized.
    pub email: String,
    /// The name the person gave.
    pub name: String,
    /// The role they will get if approved: the policy's default role when they asked.
    pub role: String,
    /// Where it stands.
    pub status: JoinRequestStatus,
    /// When it was made.
    pub created_at: Timestamp,
    /// The manager who approved or denied it.
    pub decided_by: Option<MemberId>,
    /// When it was approved or denied.
    pub decided_at: Option<Timestamp>,
    /// The reason a manager gave for a denial.
    pub reason: Option<String>,
}

impl JoinRequest {
    /// The comparison key of the address.
    pub fn email_key(&self) -> String {
        self.email.to_ascii_lowercase()
    }
}

/// A domain an organization is proving it owns, by a DNS TXT record
/// ([verified domains](crate::rules#verified-domains)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DomainVerification {
    /// The organization.
    pub org_id: OrgId,
    /// The domain, in its ASCII form.
    pub domain: String,
    /// The name of the TXT record to publish: `_invitekit-challenge.<domain>`.
    pub record_name: String,
    /// The value of the TXT record: `invitekit-verification=<random>`, this
    /// organization's challenge for this domain.
    pub record_value: String,
    /// When the verification was started.
    pub created_at: Timestamp,
    /// When the record was found, if it was: the domain is verified from then on.
    pub verified_at: Option<Timestamp>,
}

impl DomainVerification {
    /// Whether the organization proved it owns the domain.
    pub fn is_verified(&self) -> bool {
        self.verified_at.is_some()
    }
}
