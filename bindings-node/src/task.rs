//! Running a core call and handing its result to JavaScript as a promise.
//!
//! Every InviteKit method returns a promise. Where it is computed depends on
//! the store:
//!
//! - **In memory and SQLite** ([`AnyStore::is_remote`](invitekit::AnyStore::is_remote)
//!   is false): on the calling thread, and the promise is returned already
//!   settled. A call costs what the core costs (about a microsecond for a
//!   permission check in memory), not a trip through the libuv thread pool
//!   and back (about a hundred). Like better-sqlite3, a SQLite call holds the
//!   event loop for as long as it takes: a write waiting on another process's
//!   lock holds it up to the busy timeout (5 s).
//! - **PostgreSQL**: on the libuv thread pool, so a network round trip never
//!   blocks JavaScript; the result is converted back on the event loop.
//!
//! The closure checks the arguments, calls the core and converts the result.
//! A panic in it is caught and rejects the promise (`INTERNAL`).

use std::panic::{AssertUnwindSafe, catch_unwind};

use napi::Env;
use napi::bindgen_prelude::{PromiseRaw, ToNapiValue, TypeName};

use crate::error::{Failure, to_js, to_js_value};

/// The work of one call: checks its arguments, calls the core, converts the result.
pub type Work<T> = Box<dyn FnOnce() -> Result<T, Failure> + Send>;

/// What every method returns: a promise of `T` (`Promise<T>` in `index.d.ts`).
pub type Promised<T> = napi::Result<PromiseRaw<'static, T>>;

/// Runs `work` once, turning a panic into a [`Failure`].
pub fn run<T>(work: Option<Work<T>>) -> Result<T, Failure> {
    match work {
        Some(work) => catch_unwind(AssertUnwindSafe(work)).unwrap_or_else(|p| Err(Failure::from_panic(p))),
        None => Err(Failure::Internal("a call ran twice".to_owned())),
    }
}

/// The promise of `work`'s result: computed now on this thread and settled,
/// or, when `pooled`, computed on the libuv thread pool.
pub fn settle<T>(env: &Env, pooled: bool, work: impl FnOnce() -> Result<T, Failure> + Send + 'static) -> Promised<T>
where
    T: ToNapiValue + TypeName + Send + 'static,
{
    if pooled {
        return Ok(env.spawn(Job(Some(Box::new(work))))?.promise_object());
    }
    match catch_unwind(AssertUnwindSafe(work)).unwrap_or_else(|p| Err(Failure::from_panic(p))) {
        Ok(value) => PromiseRaw::resolve(env, value),
        Err(failure) => PromiseRaw::reject(env, to_js_value(env, failure)?),
    }
}

/// A call on the libuv thread pool.
struct Job<T>(Option<Work<T>>);

impl<T: ToNapiValue + TypeName + Send + 'static> napi::Task for Job<T> {
    type Output = Result<T, Failure>;
    type JsValue = T;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        Ok(run(self.0.take()))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<T> {
        output.map_err(|failure| to_js(&env, failure))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::panic)]
    fn a_panic_becomes_an_internal_failure() {
        let failure = run::<()>(Some(Box::new(|| panic!("boom")))).err();
        match failure {
            Some(f @ Failure::Internal(_)) => {
                assert_eq!(f.code(), "INTERNAL");
                assert!(format!("{f:?}").contains("boom"));
            }
            other => unreachable!("{other:?}"),
        }
    }

    #[test]
    fn a_core_error_keeps_its_code() {
        let failure = run::<()>(Some(Box::new(|| Err(invitekit::Error::InvalidToken.into())))).err();
        assert_eq!(failure.map(|f| f.code()), Some("INVALID_TOKEN".to_owned()));
    }
}
