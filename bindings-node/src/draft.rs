//! `Draft`: a checked invitation that is not stored yet, as `draftInvitation`
//! returns it. Pass it to `sendInvitation`; nothing is stored until then.

use chrono::{DateTime, Utc};
use napi_derive::napi;

use crate::types::{Email, date};

/// An invitation checked and ready to send, with its join link and its email.
/// `link` is a secret: `util.inspect` and `JSON.stringify` show none of its
/// fields, which are getters.
#[napi]
#[derive(Clone)]
pub struct Draft {
    pub(crate) inner: invitekit::Draft,
}

#[napi]
impl Draft {
    /// The invited address, normalized.
    #[napi(getter)]
    pub fn email(&self) -> String {
        self.inner.email().to_owned()
    }

    /// The join link `{portalUrl}/join/{token}`: what the user copies. It is a secret.
    #[napi(getter)]
    pub fn link(&self) -> String {
        self.inner.link().to_owned()
    }

    /// When the invitation will expire.
    #[napi(getter)]
    pub fn expires_at(&self) -> DateTime<Utc> {
        date(self.inner.expires_at())
    }

    /// The id the invitation will have once sent.
    #[napi(getter)]
    pub fn invitation_id(&self) -> String {
        self.inner.invitation_id().to_string()
    }

    /// The role the invitee will get.
    #[napi(getter)]
    pub fn role(&self) -> String {
        self.inner.role().to_owned()
    }

    /// The teams the invitee will join, in the order given.
    #[napi(getter)]
    pub fn team_ids(&self) -> Vec<String> {
        self.inner.team_ids().iter().map(ToString::to_string).collect()
    }

    /// The host's data shown to the invitee; `{}` when none.
    #[napi(getter, ts_return_type = "Record<string, unknown>")]
    pub fn metadata(&self) -> invitekit::JsonObject {
        self.inner.metadata().clone()
    }

    /// The host's data never shown to the invitee; `{}` when none.
    #[napi(getter, ts_return_type = "Record<string, unknown>")]
    pub fn private_metadata(&self) -> invitekit::JsonObject {
        self.inner.private_metadata().clone()
    }

    /// Where the invitee will be sent after accepting, if anywhere.
    #[napi(getter)]
    pub fn redirect_url(&self) -> Option<String> {
        self.inner.redirect_url().map(str::to_owned)
    }

    /// The personal message, as it will appear.
    #[napi(getter)]
    pub fn message(&self) -> Option<String> {
        self.inner.message().map(str::to_owned)
    }

    /// Whether the invitation will await a manager's approval once sent (the
    /// inviter's role needs it): its email then goes out when it is approved,
    /// with a link of its own.
    #[napi(getter)]
    pub fn needs_approval(&self) -> bool {
        self.inner.needs_approval()
    }

    /// The exact email `sendInvitation` will queue (when the invitation needs
    /// approval: the email its approval will queue, with its own link and expiry).
    #[napi(catch_unwind)]
    pub fn preview(&self) -> Email {
        self.inner.preview().into()
    }
}
