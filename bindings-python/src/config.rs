//! What an `InviteKit` is built with: the `ManualClock` tests drive time with,
//! and the `Policy` (roles, presets, grant rules) loaded from JSON.

use invitekit as core;
use pyo3::prelude::*;

use crate::convert::{List, Text, datetime, invalid, repr_list, strs, timestamp};

/// A clock that moves only when told to, for tests (docs/rules.md#stores). It starts at
/// 2026-01-01T00:00:00Z, or at `start` (a timezone-aware `datetime`).
///
/// Give it to `InviteKit.in_memory(clock=...)` or `InviteKit.open(url, clock=...)`:
/// the kit then reads this clock, and `advance` moves the kit's time too.
#[pyclass(frozen, module = "invitekit", name = "ManualClock")]
pub struct ManualClock(pub(crate) core::ManualClock);

#[pymethods]
impl ManualClock {
    #[new]
    #[pyo3(signature = (start=None))]
    fn new(py: Python<'_>, start: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        match start {
            None => Ok(ManualClock(core::ManualClock::new())),
            Some(dt) => Ok(ManualClock(core::ManualClock::at(timestamp(py, dt)?))),
        }
    }

    /// Moves the clock forward (or back, if negative) by `seconds` (an `int` or
    /// a `float`; kept to the millisecond).
    fn advance(&self, py: Python<'_>, seconds: f64) -> PyResult<()> {
        let ms = (seconds * 1000.0).round();
        // Ten thousand years either way is far beyond any use and within i64.
        if !ms.is_finite() || ms.abs() > 3.2e14 {
            return Err(invalid(py, "`seconds` is out of range"));
        }
        self.0.advance_millis(ms as i64);
        Ok(())
    }

    /// Sets the clock to `when` (a timezone-aware `datetime`).
    fn set(&self, py: Python<'_>, when: &Bound<'_, PyAny>) -> PyResult<()> {
        self.0.set(timestamp(py, when)?);
        Ok(())
    }

    /// The clock's current time, as a timezone-aware UTC `datetime`.
    fn now<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime(py, core::Clock::now(&self.0))
    }

    fn __repr__(&self) -> String {
        format!("ManualClock({})", core::Clock::now(&self.0))
    }
}

/// Roles, thread permissions, presets and who may grant what (docs/rules.md#roles).
///
/// `Policy.default()` is the table of docs/rules.md#default-policy;
/// `Policy.from_json(text)` loads and validates another one (an invalid policy raises `InvalidInput`).
#[pyclass(frozen, eq, module = "invitekit", name = "Policy")]
#[derive(Clone, PartialEq)]
pub struct Policy(pub(crate) core::Policy);

#[pymethods]
impl Policy {
    /// The default policy (docs/rules.md#default-policy).
    #[staticmethod]
    fn default() -> Self {
        Policy(core::Policy::default())
    }

    /// Loads and validates a policy from its JSON text.
    #[staticmethod]
    fn from_json(py: Python<'_>, json: Text) -> PyResult<Self> {
        crate::unlocked(py, || core::Policy::from_json(json.as_str())).map(Policy)
    }

    /// The policy as JSON, in the format `from_json` reads back to an equal policy.
    fn to_json(&self) -> String {
        self.0.to_json()
    }

    /// This policy, but the invitations of each role named in `roles` wait for
    /// a manager's approval (docs/rules.md#approvals). An unknown role, or a
    /// result the policy's rules refuse, is `InvalidInput`.
    fn with_invites_needing_approval(&self, py: Python<'_>, roles: List<Text>) -> PyResult<Self> {
        let roles = strs(roles.items());
        self.0.clone().with_invites_needing_approval(&roles).map(Policy).map_err(|e| crate::error::to_py(py, e))
    }

    /// The role names, in policy order.
    #[getter]
    fn roles(&self) -> Vec<String> {
        self.0.roles().iter().map(|r| r.name().to_owned()).collect()
    }

    /// The preset names, in policy order.
    #[getter]
    fn presets(&self) -> Vec<String> {
        self.0.presets().iter().map(|p| p.name().to_owned()).collect()
    }

    /// The role invitations get when none is given.
    #[getter]
    fn default_role(&self) -> &str {
        self.0.default_role()
    }

    fn __repr__(&self) -> String {
        format!("Policy(roles={}, presets={})", repr_list(&self.roles()), repr_list(&self.presets()))
    }
}
