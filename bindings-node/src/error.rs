//! Every error JavaScript can see, made in this one place.
//!
//! An InviteKit error becomes an `InviteKitError` (the class `index.js`
//! defines and registers at load) whose `code` is the upper-case error code
//! (docs/rules.md#errors; `permission_denied` -> `PERMISSION_DENIED`), with
//! the core's message and, where the core gives one, a detail a host can act on:
//!
//! | code | extra property |
//! |---|---|
//! | `ALREADY_INVITED` | `invitationId`: the pending invitation, to offer "resend" |
//! | `RATE_LIMITED` | `retryAt`: a `Date`, when the limit frees up |
//! | `PERMISSION_DENIED` | `check`: which part of rule R4 failed (`actor_holdings`, `role_grantable`, `target_ceiling`), when one did |
//! | `DOMAIN_NOT_ALLOWED` | `domain`: the refused domain, in its ASCII form |
//! | `INVITATION_NOT_PENDING` | `status`: `accepted`, `declined` or `revoked` |
//!
//! An argument of the wrong JavaScript type (a number for an id, `undefined`
//! for an email) is a `TypeError` whose `code` is `INVALID_INPUT` (and an
//! `InviteKitError` for `instanceof`), so one `switch (err.code)` handles both.
//! A panic inside the addon (a bug: the core denies `unwrap`, `expect` and
//! `panic!`) is caught before it reaches JavaScript and becomes an
//! `InviteKitError` with code `INTERNAL`.

use std::any::Any;

use napi::bindgen_prelude::{FnArgs, FunctionRef, JsObjectValue, Object, Unknown};
use napi::{Env, JsError, JsTypeError, JsValue, sys};

use crate::js_code;

/// Why a call failed, before it becomes a JavaScript error.
#[derive(Debug)]
pub enum Failure {
    /// The core refused: its error, with its stable code.
    Core(invitekit::Error),
    /// An argument had the wrong JavaScript type; the message names it.
    Type(String),
    /// A panic, caught at the boundary.
    Internal(String),
}

impl From<invitekit::Error> for Failure {
    fn from(e: invitekit::Error) -> Self {
        Failure::Core(e)
    }
}

impl Failure {
    /// `invalid_input` with `message`: a value of the right type that no
    /// InviteKit input can be (a lone surrogate, a negative limit).
    pub fn invalid(message: impl Into<String>) -> Self {
        Failure::Core(invitekit::Error::InvalidInput(message.into()))
    }

    /// A caught panic's payload, as a failure.
    pub fn from_panic(payload: Box<dyn Any + Send>) -> Self {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_owned());
        Failure::Internal(format!("internal error in the InviteKit addon (please report it): {what}"))
    }

    /// The `code` property JavaScript sees.
    pub fn code(&self) -> String {
        match self {
            Failure::Core(e) => js_code(e.code()),
            Failure::Type(_) => js_code("invalid_input"),
            Failure::Internal(_) => "INTERNAL".to_owned(),
        }
    }
}

/// The JavaScript error for `failure`, ready to reject a promise with or to
/// throw (napi-rs hands the object itself to JavaScript).
pub fn to_js(env: &Env, failure: Failure) -> napi::Error {
    match build(env, failure) {
        Ok(value) => napi::Error::from(value),
        Err(e) => e,
    }
}

/// The JavaScript error for `failure`, as a value (to reject a promise with).
pub fn to_js_value(env: &Env, failure: Failure) -> napi::Result<Unknown<'_>> {
    build(env, failure)
}

fn build(env: &Env, failure: Failure) -> napi::Result<Unknown<'_>> {
    let code = failure.code();
    let message = match &failure {
        Failure::Core(e) => e.to_string(),
        Failure::Type(message) | Failure::Internal(message) => message.clone(),
    };
    let is_type = matches!(failure, Failure::Type(_));
    let registered = CLASSES.with(|classes| -> napi::Result<Option<Unknown<'_>>> {
        let classes = classes.borrow();
        let Some((base, type_error)) = classes.as_ref() else { return Ok(None) };
        let class = if is_type { type_error } else { base };
        let ctor = class.borrow_back(env)?;
        Ok(Some(ctor.new_instance(FnArgs::from((message.clone(), code.clone())))?))
    })?;
    let mut object = match registered {
        Some(error) => Object::from_raw(env.raw(), error.raw()),
        // Before `index.js` has registered the classes (never, when the
        // package is loaded through it): napi-rs's own `Error`.
        None => {
            let raw = if is_type {
                js_error(env, JsTypeError::from(napi::Error::new(code, message)))
            } else {
                js_error(env, JsError::from(napi::Error::new(code, message)))
            };
            if raw.is_null() {
                return Err(napi::Error::from_reason("the JavaScript environment is shutting down"));
            }
            Object::from_raw(env.raw(), raw)
        }
    };
    if let Failure::Core(e) = &failure {
        details(env, &mut object, e)?;
    }
    Ok(object.to_unknown())
}

/// The error classes of this thread's JavaScript environment, given by
/// `index.js` at load: `InviteKitError`, and its `TypeError` twin.
type ErrorClass = FunctionRef<FnArgs<(String, String)>, ()>;

thread_local! {
    static CLASSES: std::cell::RefCell<Option<(ErrorClass, ErrorClass)>> = const { std::cell::RefCell::new(None) };
}

/// Called once by `index.js`: the classes every failure is built with.
#[napi_derive::napi(js_name = "__registerErrorClasses", ts_args_type = "base: Function, typeError: Function")]
pub fn register_error_classes(base: ErrorClass, type_error: ErrorClass) {
    CLASSES.with(|classes| *classes.borrow_mut() = Some((base, type_error)));
}

/// The detail a host acts on, as extra properties (see the module docs).
fn details(env: &Env, object: &mut Object<'_>, e: &invitekit::Error) -> napi::Result<()> {
    match e {
        invitekit::Error::AlreadyInvited { invitation_id, .. } => {
            object.set_named_property("invitationId", invitation_id.to_string())?;
        }
        invitekit::Error::RateLimited { retry_at, .. } => {
            object.set_named_property("retryAt", env.create_date(retry_at.as_millis() as f64)?)?;
        }
        invitekit::Error::PermissionDenied { check: Some(check), .. } => {
            object.set_named_property("check", check.as_str())?;
        }
        invitekit::Error::DomainNotAllowed { domain } => {
            object.set_named_property("domain", domain.as_str())?;
        }
        invitekit::Error::InvitationNotPending { status } => {
            object.set_named_property("status", *status)?;
        }
        _ => {}
    }
    Ok(())
}

/// napi-rs builds error objects with a `code` through these two wrappers only.
trait IntoRaw {
    fn into_raw(self, env: sys::napi_env) -> sys::napi_value;
}

impl IntoRaw for JsError<String> {
    #[allow(unsafe_code)]
    fn into_raw(self, env: sys::napi_env) -> sys::napi_value {
        // SAFETY: `env` is the live environment of the calling JavaScript thread.
        unsafe { self.into_value(env) }
    }
}

impl IntoRaw for JsTypeError<String> {
    #[allow(unsafe_code)]
    fn into_raw(self, env: sys::napi_env) -> sys::napi_value {
        // SAFETY: as above.
        unsafe { self.into_value(env) }
    }
}

fn js_error(env: &Env, error: impl IntoRaw) -> sys::napi_value {
    error.into_raw(env.raw())
}
