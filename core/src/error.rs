//! The one error type of InviteKit and its stable codes.
//!
//! Every failure a caller can see is an [`Error`]; each kind has a stable
//! [`code`](Error::code) that the Python and Node bindings expose unchanged
//! (Node in upper case). A failed operation never leaves anything half-written.

use crate::clock::Timestamp;
use crate::ids::InvitationId;

/// Which part of the grant rule ([R4](crate::rules#r4)) refused a permission change.
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
    /// An email address breaks the [email rules](crate::rules#emails).
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
    /// The stable snake_case code of this error, as listed in [the rules](crate::rules#errors).
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

/// Quotes user input for an error message: every character that is not
/// printable (see [`is_unprintable`]) escaped, long input cut with an
/// ellipsis, so that a hostile value can neither forge log lines nor reorder
/// the text around it.
pub(crate) fn quote(input: &str) -> String {
    sanitize(input, 80)
}

/// A message from a library that may echo user input (serde, a database
/// driver), or user input itself: unprintable characters escaped, at most
/// `max` characters, then an ellipsis.
pub(crate) fn sanitize(input: &str, max: usize) -> String {
    let mut out = String::new();
    for (i, c) in input.chars().enumerate() {
        if i == max {
            out.push('…');
            break;
        }
        if is_unprintable(c) {
            // `\n`, `\t`, `\u{2028}`, `\u{202e}`: visible, one line, no effect on the text around.
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Characters that must never reach a log line raw: they break the line,
/// are invisible, or reorder the text around them. That is the controls (C0,
/// DEL, C1), the line and paragraph separators (U+2028, U+2029), and the
/// format characters (Unicode category Cf): the bidi marks (U+200E, U+200F,
/// U+061C), embeddings, overrides and isolates (U+202A..U+202E,
/// U+2066..U+2069), the zero-width characters (U+200B..U+200D, U+2060), the
/// byte order mark (U+FEFF), the soft hyphen, tag characters and the rest.
pub(crate) fn is_unprintable(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{0600}'..='\u{0605}'
                | '\u{061C}'
                | '\u{06DD}'
                | '\u{070F}'
                | '\u{0890}'..='\u{0891}'
                | '\u{08E2}'
                | '\u{180E}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{206F}'
                | '\u{FEFF}'
                | '\u{FFF9}'..='\u{FFFB}'
                | '\u{110BD}'
                | '\u{110CD}'
                | '\u{13430}'..='\u{1343F}'
                | '\u{1BCA0}'..='\u{1BCA3}'
                | '\u{1D173}'..='\u{1D17A}'
                | '\u{E0001}'
                | '\u{E0020}'..='\u{E007F}'
        )
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
    fn quote_escapes_separators_bidi_controls_and_invisible_characters() {
        assert_eq!(quote("a\u{2028}b\u{2029}c"), "a\\u{2028}b\\u{2029}c");
        assert_eq!(quote("evil\u{202E}txt.exe"), "evil\\u{202e}txt.exe");
        let hostile = "\0\u{7f}\u{85}\u{2028}\u{2029}\u{200E}\u{200F}\u{061C}\u{202A}\u{202B}\u{202C}\u{202D}\u{202E}\
                       \u{2066}\u{2067}\u{2068}\u{2069}\u{200B}\u{200C}\u{200D}\u{2060}\u{FEFF}\u{00AD}\u{E0041}";
        assert_eq!(hostile.chars().count(), 24);
        let q = quote(hostile);
        assert!(q.chars().all(|c| c.is_ascii_graphic()), "{q:?}");
        assert_eq!(q.matches("\\u{").count(), hostile.chars().count(), "{q}");
        assert!(q.starts_with("\\u{0}\\u{7f}\\u{85}\\u{2028}\\u{2029}\\u{200e}"), "{q}");
        // Printable text, whatever its script, is kept as it is.
        for fine in ["José Pérez", "שלום עולם", "مرحبا", "日本語", "a b\u{a0}c", "👩\u{200D}💻"] {
            let kept = fine.replace('\u{200D}', "\\u{200d}");
            assert_eq!(quote(fine), kept);
        }
        assert_eq!(sanitize("unknown field `a\u{2028}b`", 300), "unknown field `a\\u{2028}b`");
        assert_eq!(sanitize(&"y".repeat(400), 300).chars().count(), 301);
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
