//! The one error type of InviteKit and its stable codes.
//!
//! Every failure a caller can see is an [`Error`]; each kind has a stable
//! [`code`](Error::code) that the Python and Node bindings expose unchanged
//! (Node in upper case). A failed operation never leaves anything half-written.

use crate::clock::Timestamp;
use crate::ids::InvitationId;

/// Which part of the grant rule (SPEC R4) refused a permission change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GrantCheck {
    /// (a) the actor does not hold every permission given, in that thread.
    ActorHoldings,
    /// (b) the permissions are outside the presets the actor's role may grant.
    RoleGrantable,
    /// (c) the permissions exceed the target member's role ceiling.
    TargetCeiling,
}

impl GrantCheck {
    /// A short stable name: `actor_holdings`, `role_grantable` or `target_ceiling`.
    pub fn as_str(self) -> &'static str {
        match self {
            GrantCheck::ActorHoldings => "actor_holdings",
            GrantCheck::RoleGrantable => "role_grantable",
            GrantCheck::TargetCeiling => "target_ceiling",
        }
    }
}

/// Every error InviteKit returns.
///
/// Match on the variant in Rust, or on [`Error::code`] anywhere: the codes are
/// the same in all three languages and never change meaning.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An argument is malformed, too long, or names something the policy does not know.
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// An email address does not meet SPEC §4.
    #[error("invalid email: {0}")]
    InvalidEmail(String),
    /// The address's domain is outside the organization's allowed domains.
    #[error("the domain `{domain}` is not allowed in this organization")]
    DomainNotAllowed {
        /// The ASCII form of the refused domain.
        domain: String,
    },
    /// The thing does not exist, or the actor may not know it exists.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The actor's role or thread permissions do not allow the operation.
    #[error("permission denied: {reason}")]
    PermissionDenied {
        /// What was refused, for a person to read.
        reason: String,
        /// For a thread grant, which part of rule R4 failed.
        check: Option<GrantCheck>,
    },
    /// The address already belongs to an active member of the organization.
    #[error("`{email}` is already a member of this organization")]
    AlreadyMember {
        /// The address, normalized.
        email: String,
    },
    /// The address already has a pending invitation; offer to resend it.
    #[error("`{email}` already has a pending invitation")]
    AlreadyInvited {
        /// The address, normalized.
        email: String,
        /// The pending invitation, so that a host can offer "resend".
        invitation_id: InvitationId,
    },
    /// The member already takes part in the thread.
    #[error("the member is already a participant in this thread")]
    AlreadyParticipant,
    /// The token is wrong, malformed, replaced, or its inviter is gone. Never says which.
    #[error("the invitation token is not valid")]
    InvalidToken,
    /// The invitation's expiry has passed.
    #[error("the invitation has expired")]
    InvitationExpired,
    /// The invitation was already accepted, declined or revoked.
    #[error("the invitation is no longer pending (it is {status})")]
    InvitationNotPending {
        /// The invitation's current status.
        status: &'static str,
    },
    /// The verified email of the accepting user is not the invited address.
    #[error("the invitation was sent to another address")]
    EmailMismatch,
    /// A rate limit or cap was reached; nothing was sent.
    #[error("rate limited: {reason}; try again after {retry_at}")]
    RateLimited {
        /// Which limit was reached.
        reason: String,
        /// When the limit frees up.
        retry_at: Timestamp,
    },
    /// The state changed under the operation (a lost race, a draft sent twice, a name taken).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The storage back end failed.
    #[error("storage error: {0}")]
    Storage(String),
}

impl Error {
    /// The stable snake_case code of this error, as in SPEC §8.
    ///
    /// # Examples
    /// ```
    /// let e = invitekit::Error::InvalidToken;
    /// assert_eq!(e.code(), "invalid_token");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidInput(_) => "invalid_input",
            Error::InvalidEmail(_) => "invalid_email",
            Error::DomainNotAllowed { .. } => "domain_not_allowed",
            Error::NotFound(_) => "not_found",
            Error::PermissionDenied { .. } => "permission_denied",
            Error::AlreadyMember { .. } => "already_member",
            Error::AlreadyInvited { .. } => "already_invited",
            Error::AlreadyParticipant => "already_participant",
            Error::InvalidToken => "invalid_token",
            Error::InvitationExpired => "invitation_expired",
            Error::InvitationNotPending { .. } => "invitation_not_pending",
            Error::EmailMismatch => "email_mismatch",
            Error::RateLimited { .. } => "rate_limited",
            Error::Conflict(_) => "conflict",
            Error::Storage(_) => "storage",
        }
    }

    /// Every code InviteKit can return, for bindings that map them all.
    pub const CODES: [&'static str; 15] = [
        "invalid_input",
        "invalid_email",
        "domain_not_allowed",
        "not_found",
        "permission_denied",
        "already_member",
        "already_invited",
        "already_participant",
        "invalid_token",
        "invitation_expired",
        "invitation_not_pending",
        "email_mismatch",
        "rate_limited",
        "conflict",
        "storage",
    ];

    pub(crate) fn invalid(msg: impl Into<String>) -> Self {
        Error::InvalidInput(msg.into())
    }

    pub(crate) fn denied(msg: impl Into<String>) -> Self {
        Error::PermissionDenied { reason: msg.into(), check: None }
    }
}

/// The result type of every InviteKit operation.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Quotes user input for an error message: control characters escaped, long
/// input cut with an ellipsis, so that a hostile value cannot forge log lines.
pub(crate) fn quote(input: &str) -> String {
    const MAX: usize = 80;
    let mut out = String::new();
    for (i, c) in input.chars().enumerate() {
        if i == MAX {
            out.push('…');
            break;
        }
        if c.is_control() || c == '`' {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_escapes_control_characters_and_cuts_long_input() {
        assert_eq!(quote("a\r\nb"), "a\\r\\nb");
        let long = "x".repeat(500);
        let q = quote(&long);
        assert!(q.chars().count() <= 81);
        assert!(q.ends_with('…'));
    }

    #[test]
    fn every_variant_has_a_listed_code() {
        let samples = [
            Error::InvalidInput(String::new()),
            Error::InvalidEmail(String::new()),
            Error::DomainNotAllowed { domain: String::new() },
            Error::NotFound("member"),
            Error::denied("x"),
            Error::AlreadyMember { email: String::new() },
            Error::AlreadyInvited { email: String::new(), invitation_id: InvitationId::new() },
            Error::AlreadyParticipant,
            Error::InvalidToken,
            Error::InvitationExpired,
            Error::InvitationNotPending { status: "accepted" },
            Error::EmailMismatch,
            Error::RateLimited { reason: String::new(), retry_at: Timestamp::from_millis(0) },
            Error::Conflict(String::new()),
            Error::Storage(String::new()),
        ];
        let codes: Vec<_> = samples.iter().map(Error::code).collect();
        assert_eq!(codes, Error::CODES);
    }
}
