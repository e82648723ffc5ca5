//! `Policy`: the roles, thread permissions and presets a kit enforces, as
//! `kit.policy` returns it (Python's `invitekit.Policy`).

use napi::Env;
use napi_derive::napi;

use crate::args::{Instance, JsString, StringList};
use crate::error::to_js;

/// Roles, thread permissions, presets and who may grant what
/// (docs/rules.md#roles). `Policy.default()` is the table of
/// docs/rules.md#default-policy; `Policy.fromJson(text)` loads and validates
/// another one (an invalid policy throws `INVALID_INPUT`).
#[napi]
#[derive(Clone)]
pub struct Policy {
    pub(crate) inner: invitekit::Policy,
}

#[napi]
impl Policy {
    /// The default policy (docs/rules.md#default-policy).
    #[napi(factory, catch_unwind)]
    #[allow(clippy::should_implement_trait)] // JavaScript's `Policy.default()`, as Python's.
    pub fn default() -> Policy {
        Policy { inner: invitekit::Policy::default() }
    }

    /// Loads and validates a policy from its JSON text.
    #[napi(factory, catch_unwind)]
    pub fn from_json(env: Env, json: JsString) -> napi::Result<Policy> {
        let json = json.text("json").map_err(|f| to_js(&env, f))?;
        let inner = invitekit::Policy::from_json(&json).map_err(|e| to_js(&env, e.into()))?;
        Ok(Policy { inner })
    }

    /// The policy as JSON, in the format `fromJson` reads back to an equal policy.
    #[napi(catch_unwind)]
    pub fn to_json(&self) -> String {
        self.inner.to_json()
    }

    /// This policy, but the invitations of each role named in `roles` wait for
    /// a manager's approval (docs/rules.md#approvals). An unknown role, or a
    /// result the policy's rules refuse, throws `INVALID_INPUT`.
    #[napi(catch_unwind, ts_args_type = "roles: Array<string>")]
    pub fn with_invites_needing_approval(&self, env: Env, roles: StringList) -> napi::Result<Policy> {
        let roles = roles.texts("roles").map_err(|f| to_js(&env, f))?;
        let roles: Vec<&str> = roles.iter().map(String::as_str).collect();
        let inner = self.inner.clone().with_invites_needing_approval(&roles).map_err(|e| to_js(&env, e.into()))?;
        Ok(Policy { inner })
    }

    /// Whether `other` is the same policy.
    #[napi(catch_unwind, ts_args_type = "other: Policy")]
    pub fn equals(&self, env: Env, other: Instance<Policy>) -> napi::Result<bool> {
        let other = other.get("other", "a Policy").map_err(|f| to_js(&env, f))?;
        Ok(self.inner == other.inner)
    }

    /// The role names, in policy order.
    #[napi(getter)]
    pub fn roles(&self) -> Vec<String> {
        self.inner.roles().iter().map(|r| r.name().to_owned()).collect()
    }

    /// The preset names, in policy order.
    #[napi(getter)]
    pub fn presets(&self) -> Vec<String> {
        self.inner.presets().iter().map(|p| p.name().to_owned()).collect()
    }

    /// The role invitations get when none is given.
    #[napi(getter)]
    pub fn default_role(&self) -> String {
        self.inner.default_role().to_owned()
    }
}
