//! Running a core call off the event loop.
//!
//! Every InviteKit method returns a promise backed by an [`AsyncTask`]: the
//! closure (arguments checked, then the core call) runs on the libuv thread
//! pool, so a slow SQLite or PostgreSQL call never blocks JavaScript; the
//! result is turned into JavaScript values back on the event loop. A panic in
//! the closure is caught there and rejects the promise (`INTERNAL`).
//!
//! napi-rs writes `Promise<T>` for an `AsyncTask<X>` only when `X` is a
//! concrete `Task` it has seen, so [`tasks!`] declares one small task type per
//! result type (`MemberTask` resolves to a `Member`, ...).

use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::error::Failure;

/// The work of one call: checks its arguments, calls the core, converts the result.
pub type Work<T> = Box<dyn FnOnce() -> Result<T, Failure> + Send>;

/// Runs `work` once, turning a panic into a [`Failure`].
pub fn run<T>(work: Option<Work<T>>) -> Result<T, Failure> {
    match work {
        Some(work) => catch_unwind(AssertUnwindSafe(work)).unwrap_or_else(|p| Err(Failure::from_panic(p))),
        None => Err(Failure::Internal("a call ran twice".to_owned())),
    }
}

/// Declares `Name => JsType` task types: `Name::spawn(closure)` is an
/// `AsyncTask` whose promise resolves to the closure's `JsType`.
macro_rules! tasks {
    ($($name:ident => $js:ty;)*) => {$(
        #[doc = concat!("A call whose promise resolves to `", stringify!($js), "`.")]
        pub struct $name(Option<$crate::task::Work<$js>>);

        impl $name {
            /// The promise of `work`'s result, computed on the libuv thread pool.
            pub fn spawn(
                work: impl FnOnce() -> Result<$js, $crate::error::Failure> + Send + 'static,
            ) -> napi::bindgen_prelude::AsyncTask<$name> {
                napi::bindgen_prelude::AsyncTask::new($name(Some(Box::new(work))))
            }
        }

        #[napi_derive::napi]
        impl napi::Task for $name {
            type Output = Result<$js, $crate::error::Failure>;
            type JsValue = $js;

            fn compute(&mut self) -> napi::Result<Self::Output> {
                Ok($crate::task::run(self.0.take()))
            }

            fn resolve(&mut self, env: napi::Env, output: Self::Output) -> napi::Result<Self::JsValue> {
                output.map_err(|failure| $crate::error::to_js(&env, failure))
            }
        }
    )*};
}

pub(crate) use tasks;

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
