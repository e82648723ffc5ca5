//! Building the plain objects InviteKit's promises resolve to, fast.
//!
//! Setting a record's properties one by one through N-API costs V8 a string
//! look-up per property name and a hidden-class transition per property
//! (about 6 µs for an `Invitation`). Instead `index.js` hands the addon, at
//! load, one small JavaScript function per record, written by
//! `scripts/gen-interface` into `records.js`: `(id, orgId, ...) => ({ id, orgId, ... })`.
//! An object literal gets its final shape at once, so a record costs one call
//! into JavaScript. The objects are the same plain objects either way
//! (`JSON.stringify`, spread and `Object.keys` see every field), and without
//! the functions (the addon loaded without `index.js`) the properties are set
//! one by one.

use std::cell::RefCell;
use std::ffi::CString;
use std::ptr;

use napi::bindgen_prelude::{Array, Unknown};
use napi::{Env, JsValue, check_status, sys};

thread_local! {
    /// This thread's JavaScript environment's record functions, by the
    /// index [`crate::records`] gives each record.
    static FACTORIES: RefCell<Vec<sys::napi_ref>> = const { RefCell::new(Vec::new()) };
}

/// Called once by `index.js`: the functions that make each record, in the
/// order of `records.js`.
#[napi_derive::napi(js_name = "__registerRecordFactories", ts_args_type = "factories: Array<Function>")]
#[allow(unsafe_code)]
pub fn register_record_factories(env: Env, factories: Array) -> napi::Result<()> {
    let mut refs = Vec::with_capacity(factories.len() as usize);
    for i in 0..factories.len() {
        let Some(f) = factories.get::<Unknown>(i)? else { continue };
        if f.get_type()? != napi::ValueType::Function {
            return Err(napi::Error::new(napi::Status::InvalidArg, format!("factory {i} is not a function")));
        }
        let mut r = ptr::null_mut();
        // SAFETY: `env` is this call's live environment and `f` one of its values.
        unsafe { check_status!(sys::napi_create_reference(env.raw(), f.raw(), 1, &mut r))? };
        refs.push(r);
    }
    FACTORIES.with(|f| *f.borrow_mut() = refs);
    Ok(())
}

/// The record number `index` made of `values` (in its fields' order): by
/// its registered function, else property by property under `names`.
///
/// # Safety
/// `env` must be the live environment of the calling thread and `values`
/// its values, as in any `ToNapiValue::to_napi_value`.
#[allow(unsafe_code)]
pub unsafe fn build(
    env: sys::napi_env,
    index: usize,
    names: &[&str],
    values: &[sys::napi_value],
) -> napi::Result<sys::napi_value> {
    let registered = FACTORIES.with(|f| f.borrow().get(index).copied());
    let mut out = ptr::null_mut();
    if let Some(r) = registered {
        // SAFETY: the caller's contract; `r` was made in this thread's environment.
        unsafe {
            let mut func = ptr::null_mut();
            check_status!(sys::napi_get_reference_value(env, r, &mut func))?;
            if !func.is_null() {
                let mut this = ptr::null_mut();
                check_status!(sys::napi_get_undefined(env, &mut this))?;
                check_status!(sys::napi_call_function(env, this, func, values.len(), values.as_ptr(), &mut out))?;
                return Ok(out);
            }
        }
    }
    // SAFETY: the caller's contract.
    unsafe {
        check_status!(sys::napi_create_object(env, &mut out))?;
        for (name, value) in names.iter().zip(values) {
            let name = CString::new(*name).map_err(|e| napi::Error::from_reason(e.to_string()))?;
            check_status!(sys::napi_set_named_property(env, out, name.as_ptr(), *value))?;
        }
    }
    Ok(out)
}
