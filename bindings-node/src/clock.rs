//! `ManualClock`: time that moves only when a test says so, shared with the
//! core's [`invitekit::ManualClock`] (clones share one time).

use chrono::{DateTime, Utc};
use napi::Env;
use napi_derive::napi;

use crate::args::{JsDate, JsNumber};
use crate::error::{Failure, to_js};
use crate::types::date;

/// A clock that moves only when told to; pass it as `InviteKit.inMemory({ clock })`.
/// It starts at 2026-01-01T00:00:00Z.
#[napi]
#[derive(Clone, Default)]
pub struct ManualClock {
    pub(crate) inner: invitekit::ManualClock,
}

#[napi]
impl ManualClock {
    /// A manual clock at 2026-01-01T00:00:00Z, or at `start` when given.
    #[napi(constructor, catch_unwind)]
    pub fn new(start: Option<DateTime<Utc>>) -> Self {
        let inner = match start {
            Some(t) => invitekit::ManualClock::at(invitekit::Timestamp::from_millis(t.timestamp_millis())),
            None => invitekit::ManualClock::new(),
        };
        ManualClock { inner }
    }

    /// Moves the clock forward (or back, if negative) by `seconds` (fractions allowed, to the millisecond).
    #[napi(catch_unwind)]
    pub fn advance(&self, env: Env, seconds: JsNumber) -> napi::Result<()> {
        let ms = seconds.value("seconds").map_err(|f| to_js(&env, f))? * 1000.0;
        if ms.abs() > 1e15 {
            return Err(to_js(&env, Failure::invalid("`seconds` is too large")));
        }
        self.inner.advance_millis(ms.round() as i64);
        Ok(())
    }

    /// Sets the clock to `when`.
    #[napi(catch_unwind)]
    pub fn set(&self, env: Env, when: JsDate) -> napi::Result<()> {
        let ms = when.millis("when").map_err(|f| to_js(&env, f))?;
        self.inner.set(invitekit::Timestamp::from_millis(ms));
        Ok(())
    }

    /// The clock's current time.
    #[napi(catch_unwind)]
    pub fn now(&self) -> DateTime<Utc> {
        date(invitekit::Clock::now(&self.inner))
    }
}
