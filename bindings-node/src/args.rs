//! Arguments as JavaScript passes them.
//!
//! napi-rs converts an argument before the method runs and, when the value has
//! the wrong type, throws a plain `Error` synchronously (code `StringExpected`)
//! from a method that otherwise returns a promise. These types never fail to
//! convert: they keep what they received, and the method reports a wrong type
//! as a rejected promise with a `TypeError` naming the argument (see
//! [`error`](crate::error)). Strings are read as UTF-16, so a lone surrogate,
//! which a UTF-8 read would silently turn into U+FFFD, is `INVALID_INPUT`.
//!
//! napi-rs writes a parameter's TypeScript type from its Rust type's name, so
//! [`JsString`], [`JsNumber`] and [`JsBoolean`] are named after the types it
//! maps to `string`, `number` and `boolean`.

#![allow(unsafe_code)] // `FromNapiValue` is an unsafe trait method; each body only reads its argument.

use std::str::FromStr;

use napi::bindgen_prelude::JsObjectValue;
use napi::bindgen_prelude::{Array, ClassInstance, FromNapiValue, TypeName, Unknown, Utf16String, ValidateNapiValue};
use napi::{JsValue, ValueType, sys};

use crate::error::Failure;

/// The JavaScript `typeof` of a value we did not want, for a message.
fn type_of(t: ValueType) -> &'static str {
    match t {
        ValueType::Undefined => "undefined",
        ValueType::Null => "null",
        ValueType::Boolean => "a boolean",
        ValueType::Number => "a number",
        ValueType::String => "a string",
        ValueType::Symbol => "a symbol",
        ValueType::Object => "an object",
        ValueType::Function => "a function",
        ValueType::External => "an external",
        ValueType::BigInt => "a bigint",
        _ => "an unknown value",
    }
}

/// Reads the type of `value`.
///
/// # Safety
/// `env` and `value` come from napi-rs's argument conversion.
unsafe fn value_type(env: sys::napi_env, value: sys::napi_value) -> napi::Result<ValueType> {
    // SAFETY: the caller passes napi-rs's own `env` and `value`.
    unsafe { Unknown::from_napi_value(env, value) }?.get_type()
}

fn wrong_type(name: &str, expected: &str, got: &str) -> Failure {
    Failure::Type(format!("`{name}` must be {expected}, got {got}"))
}

/// A string argument (TypeScript `string`).
pub struct JsString(Result<Result<String, ()>, &'static str>);

impl JsString {
    /// The string, if it is one, without taking it.
    pub fn peek(&self) -> Option<&str> {
        match &self.0 {
            Ok(Ok(s)) => Some(s),
            _ => None,
        }
    }

    /// The string, or why it is not one: a `TypeError` for another type,
    /// `INVALID_INPUT` for a lone surrogate.
    pub fn text(self, name: &str) -> Result<String, Failure> {
        match self.0 {
            Ok(Ok(s)) => Ok(s),
            Ok(Err(())) => Err(Failure::invalid(format!("`{name}` contains a lone surrogate (not valid Unicode)"))),
            Err(got) => Err(wrong_type(name, "a string", got)),
        }
    }

    /// An id (or any value the core parses from a string, with its own error).
    pub fn parse<T: FromStr<Err = invitekit::Error>>(self, name: &str) -> Result<T, Failure> {
        Ok(self.text(name)?.parse::<T>()?)
    }
}

/// An optional string argument: `undefined` and `null` are `None`.
pub fn opt_text(value: Option<JsString>, name: &str) -> Result<Option<String>, Failure> {
    value.map(|v| v.text(name)).transpose()
}

/// An optional id argument.
pub fn opt_parse<T: FromStr<Err = invitekit::Error>>(
    value: Option<JsString>,
    name: &str,
) -> Result<Option<T>, Failure> {
    value.map(|v| v.parse(name)).transpose()
}

impl TypeName for JsString {
    fn type_name() -> &'static str {
        "string"
    }
    fn value_type() -> ValueType {
        ValueType::String
    }
}

impl ValidateNapiValue for JsString {}

impl FromNapiValue for JsString {
    unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> napi::Result<Self> {
        // SAFETY: napi-rs's own `env` and `value`.
        let t = unsafe { value_type(env, value) }?;
        if t != ValueType::String {
            return Ok(JsString(Err(type_of(t))));
        }
        // SAFETY: `value` is a string.
        let units = unsafe { Utf16String::from_napi_value(env, value) }?;
        Ok(JsString(Ok(String::from_utf16(&units).map_err(|_| ()))))
    }
}

/// A number argument (TypeScript `number`).
pub struct JsNumber(Result<f64, &'static str>);

/// The largest integer a JavaScript number holds exactly.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

impl JsNumber {
    /// The number, which must be finite.
    pub fn value(self, name: &str) -> Result<f64, Failure> {
        match self.0 {
            Ok(n) if n.is_finite() => Ok(n),
            Ok(n) => Err(Failure::invalid(format!("`{name}` must be a finite number, got {n}"))),
            Err(got) => Err(wrong_type(name, "a number", got)),
        }
    }

    /// A count or a position: a non-negative integer.
    pub fn count(self, name: &str) -> Result<u64, Failure> {
        let n = self.value(name)?;
        if n < 0.0 || n.fract() != 0.0 || n > MAX_SAFE_INTEGER {
            return Err(Failure::invalid(format!("`{name}` must be a non-negative integer, got {n}")));
        }
        Ok(n as u64)
    }
}

/// An optional count, with its default.
pub fn opt_count(value: Option<JsNumber>, name: &str, default: usize) -> Result<usize, Failure> {
    match value {
        None => Ok(default),
        Some(v) => Ok(usize::try_from(v.count(name)?).unwrap_or(usize::MAX)),
    }
}

impl TypeName for JsNumber {
    fn type_name() -> &'static str {
        "number"
    }
    fn value_type() -> ValueType {
        ValueType::Number
    }
}

impl ValidateNapiValue for JsNumber {}

impl FromNapiValue for JsNumber {
    unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> napi::Result<Self> {
        // SAFETY: napi-rs's own `env` and `value`.
        let t = unsafe { value_type(env, value) }?;
        if t != ValueType::Number {
            return Ok(JsNumber(Err(type_of(t))));
        }
        // SAFETY: `value` is a number.
        Ok(JsNumber(Ok(unsafe { f64::from_napi_value(env, value) }?)))
    }
}

/// A boolean argument (TypeScript `boolean`).
pub struct JsBoolean(Result<bool, &'static str>);

impl JsBoolean {
    /// The boolean.
    pub fn value(self, name: &str) -> Result<bool, Failure> {
        self.0.map_err(|got| wrong_type(name, "a boolean", got))
    }
}

impl TypeName for JsBoolean {
    fn type_name() -> &'static str {
        "boolean"
    }
    fn value_type() -> ValueType {
        ValueType::Boolean
    }
}

impl ValidateNapiValue for JsBoolean {}

impl FromNapiValue for JsBoolean {
    unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> napi::Result<Self> {
        // SAFETY: napi-rs's own `env` and `value`.
        let t = unsafe { value_type(env, value) }?;
        if t != ValueType::Boolean {
            return Ok(JsBoolean(Err(type_of(t))));
        }
        // SAFETY: `value` is a boolean.
        Ok(JsBoolean(Ok(unsafe { bool::from_napi_value(env, value) }?)))
    }
}

/// An array of strings (TypeScript `Array<string>`, written out with
/// `ts_arg_type` / `ts_type` where it is used).
pub struct StringList(Result<Vec<JsString>, &'static str>);

/// The most items a list argument may have before InviteKit looks at them;
/// the core's own limits (100 addresses, 100 domains) are far below it.
const MAX_LIST_ITEMS: u32 = 10_000;

impl StringList {
    /// The strings; each item is checked like a [`JsString`] named `name[i]`.
    pub fn texts(self, name: &str) -> Result<Vec<String>, Failure> {
        let items = self.0.map_err(|got| wrong_type(name, "an array of strings", got))?;
        items.into_iter().enumerate().map(|(i, s)| s.text(&format!("{name}[{i}]"))).collect()
    }
}

/// An optional list of strings.
pub fn opt_texts(value: Option<StringList>, name: &str) -> Result<Option<Vec<String>>, Failure> {
    value.map(|v| v.texts(name)).transpose()
}

impl TypeName for StringList {
    fn type_name() -> &'static str {
        "Array<string>"
    }
    fn value_type() -> ValueType {
        ValueType::Object
    }
}

impl ValidateNapiValue for StringList {}

impl FromNapiValue for StringList {
    unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> napi::Result<Self> {
        // SAFETY: napi-rs's own `env` and `value`.
        let t = unsafe { value_type(env, value) }?;
        let mut is_array = false;
        // SAFETY: as above.
        napi::check_status!(unsafe { sys::napi_is_array(env, value, &mut is_array) })?;
        if !is_array {
            return Ok(StringList(Err(type_of(t))));
        }
        // SAFETY: `value` is an array.
        let array = unsafe { Array::from_napi_value(env, value) }?;
        if array.len() > MAX_LIST_ITEMS {
            return Ok(StringList(Err("an array of more than 10000 items")));
        }
        let mut items = Vec::with_capacity(array.len() as usize);
        for i in 0..array.len() {
            if let Some(item) = array.get::<JsString>(i)? {
                items.push(item);
            }
        }
        Ok(StringList(Ok(items)))
    }
}

/// An instance of one of this addon's classes (`Draft`, `ManualClock`),
/// cloned out of its JavaScript wrapper. Its TypeScript type is written with
/// `ts_arg_type` / `ts_type` where it is used.
pub struct Instance<T>(Result<T, &'static str>);

impl<T> Instance<T> {
    /// The instance; `what` says what was expected (`a Draft from draftInvitation`).
    pub fn get(self, name: &str, what: &str) -> Result<T, Failure> {
        self.0.map_err(|got| wrong_type(name, what, got))
    }
}

impl<T> TypeName for Instance<T> {
    fn type_name() -> &'static str {
        "object"
    }
    fn value_type() -> ValueType {
        ValueType::Object
    }
}

impl<T> ValidateNapiValue for Instance<T> {}

impl<T: Clone + napi::bindgen_prelude::MaybeTypeTag + 'static> FromNapiValue for Instance<T> {
    unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> napi::Result<Self> {
        // SAFETY: napi-rs's own `env` and `value`.
        let t = unsafe { value_type(env, value) }?;
        if t != ValueType::Object {
            return Ok(Instance(Err(type_of(t))));
        }
        // SAFETY: as above; the wrapper checks the class's type tag before it unwraps.
        match unsafe { ClassInstance::<T>::from_napi_value(env, value) } {
            Ok(instance) => Ok(Instance(Ok((*instance).clone()))),
            Err(_) => Ok(Instance(Err("another object"))),
        }
    }
}

/// A plain object or JSON-like value (settings, a policy), read as JSON. Its
/// TypeScript type is written with `ts_arg_type` / `ts_type` where it is used.
pub struct Json(Result<serde_json::Value, Unreadable>);

/// Why a value is not JSON.
enum Unreadable {
    /// A type JSON has no place for (`undefined`, a function, a symbol, a bigint).
    Type(&'static str),
    /// A value inside it JSON cannot hold (`NaN`), or nesting too deep.
    Value(String),
}

impl Json {
    /// The object; any other type is a `TypeError`.
    pub fn object(self, name: &str) -> Result<serde_json::Map<String, serde_json::Value>, Failure> {
        match self.value(name)? {
            serde_json::Value::Object(map) => Ok(map),
            other => Err(wrong_type(name, "an object", json_type(&other))),
        }
    }

    /// The value: a wrong type is a `TypeError`, a value JSON cannot hold `INVALID_INPUT`.
    pub fn value(self, name: &str) -> Result<serde_json::Value, Failure> {
        self.0.map_err(|why| match why {
            Unreadable::Type(got) => wrong_type(name, "a JSON value", got),
            Unreadable::Value(why) => Failure::invalid(format!("`{name}` cannot be read as JSON: {why}")),
        })
    }
}

fn json_type(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

impl TypeName for Json {
    fn type_name() -> &'static str {
        "object"
    }
    fn value_type() -> ValueType {
        ValueType::Object
    }
}

impl ValidateNapiValue for Json {}

impl FromNapiValue for Json {
    unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> napi::Result<Self> {
        // SAFETY: napi-rs's own `env` and `value`.
        let t = unsafe { value_type(env, value) }?;
        if matches!(t, ValueType::Undefined | ValueType::Function | ValueType::Symbol | ValueType::BigInt) {
            return Ok(Json(Err(Unreadable::Type(type_of(t)))));
        }
        // SAFETY: as above.
        let value = unsafe { serde_json::Value::from_napi_value(env, value) };
        Ok(Json(value.map_err(|e| Unreadable::Value(e.reason))))
    }
}

/// The fields an options object may have.
pub trait Fields {
    /// Their Rust names, in snake_case; JavaScript writes them in camelCase.
    const FIELDS: &'static [&'static str];
}

/// `snake` in camelCase (`after_seq` -> `afterSeq`).
pub fn camel(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// An options argument (`{ limit }`, `{ message, team, role }`): a plain
/// object whose keys are all known, or a `TypeError` (`INVALID_INPUT`) naming
/// what is wrong. A misspelt key (`{ mesage }`) or a value that is not an
/// object (`false`, `5`, `'pending'`, an array, a `Date`) is never ignored.
pub struct Opts<T>(Result<T, Failure>);

impl<T> Opts<T> {
    /// The options, or why they were refused.
    pub fn get(self) -> Result<T, Failure> {
        self.0
    }
}

/// `Option<Opts<T>>` as the options: absent, `undefined` and `null` are none.
pub fn given<T>(value: Option<Opts<T>>) -> Result<Option<T>, Failure> {
    value.map(Opts::get).transpose()
}

impl<T> TypeName for Opts<T> {
    fn type_name() -> &'static str {
        "object"
    }
    fn value_type() -> ValueType {
        ValueType::Object
    }
}

impl<T> ValidateNapiValue for Opts<T> {}

impl<T: FromNapiValue + Fields> FromNapiValue for Opts<T> {
    unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> napi::Result<Self> {
        // SAFETY: napi-rs's own `env` and `value`.
        let checked = match unsafe { plain_object_keys(env, value) } {
            Ok(checked) => checked,
            // SAFETY: as above.
            Err(e) => return Ok(Opts(Err(unsafe { caught(env, e, "the options") }))),
        };
        Ok(Opts(match checked {
            Err(failure) => Err(failure),
            Ok(keys) => match keys.iter().find(|k| !T::FIELDS.iter().any(|f| camel(f) == **k)) {
                Some(unknown) => Err(Failure::Type(format!(
                    "unknown option `{}`: the options are {}",
                    unknown.escape_debug(),
                    T::FIELDS.iter().map(|f| format!("`{}`", camel(f))).collect::<Vec<_>>().join(", ")
                ))),
                // SAFETY: as above; a plain object with known keys only.
                None => unsafe { T::from_napi_value(env, value) }.map_err(|e| unsafe { caught(env, e, "the options") }),
            },
        }))
    }
}

/// The own enumerable keys of `value` if it is a plain object (made by `{}`
/// or `Object.create(null)`), or why it is not one.
///
/// # Safety
/// `env` and `value` come from napi-rs's argument conversion.
unsafe fn plain_object_keys(env: sys::napi_env, value: sys::napi_value) -> napi::Result<Result<Vec<String>, Failure>> {
    let not_plain = |got: &str| Failure::Type(format!("the options must be a plain object, got {got}"));
    // SAFETY: the caller passes napi-rs's own `env` and `value`.
    let t = unsafe { value_type(env, value) }?;
    if t != ValueType::Object {
        return Ok(Err(not_plain(type_of(t))));
    }
    // SAFETY: as above.
    let object = unsafe { napi::bindgen_prelude::Object::from_napi_value(env, value) }?;
    if object.is_array()? {
        return Ok(Err(not_plain("an array")));
    }
    let mut proto = std::ptr::null_mut();
    // SAFETY: `value` is an object of this `env`.
    napi::check_status!(unsafe { sys::napi_get_prototype(env, value, &mut proto) })?;
    // SAFETY: `proto` was just returned by napi for this `env`.
    let proto_type = unsafe { value_type(env, proto) }?;
    if proto_type != ValueType::Null {
        let mut grand = std::ptr::null_mut();
        // SAFETY: `proto` is an object of this `env` (every prototype is an object or null).
        napi::check_status!(unsafe { sys::napi_get_prototype(env, proto, &mut grand) })?;
        // Object.prototype is the one prototype whose own prototype is null.
        // SAFETY: as above.
        if unsafe { value_type(env, grand) }? != ValueType::Null {
            return Ok(Err(not_plain("an instance of a class")));
        }
    }
    let names = object.get_property_names()?;
    let count = names.get_array_length()?;
    let mut keys = Vec::with_capacity(count as usize);
    for i in 0..count {
        let key: Unknown<'_> = names.get_element(i)?;
        // SAFETY: an element of an array of this `env`.
        keys.push(match unsafe { JsString::from_napi_value(env, key.raw()) }?.0 {
            Ok(Ok(k)) => k,
            _ => "(a key that is not text)".to_owned(),
        });
    }
    Ok(Ok(keys))
}

/// Implements [`Fields`] for an options struct from the list of its fields.
/// The list is checked against the struct when it compiles: it is matched
/// by a struct pattern without `..`, so a field added to the struct and not
/// here, or named here and not there, is an error.
macro_rules! fields {
    ($($name:ident { $($field:ident),* $(,)? })*) => {$(
        impl $crate::args::Fields for $name {
            const FIELDS: &'static [&'static str] = &[$(stringify!($field)),*];
        }

        const _: fn($name) = |$name { $($field: _),* }| {};
    )*};
}

pub(crate) use fields;

/// The `policy` option: a `Policy` (from `Policy.fromJson`, `Policy.default()`
/// or `kit.policy`), or the policy's JSON text or parsed object.
pub enum PolicyArg {
    /// A `Policy` instance.
    Policy(Box<invitekit::Policy>),
    /// Its JSON, as text or as an object.
    Json(Json),
}

impl TypeName for PolicyArg {
    fn type_name() -> &'static str {
        "Policy"
    }
    fn value_type() -> ValueType {
        ValueType::Object
    }
}

impl ValidateNapiValue for PolicyArg {}

impl FromNapiValue for PolicyArg {
    unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> napi::Result<Self> {
        // SAFETY: napi-rs's own `env` and `value`.
        if unsafe { value_type(env, value) }? == ValueType::Object {
            // SAFETY: as above; the wrapper checks the class's type tag before it unwraps.
            match unsafe { ClassInstance::<crate::policy::Policy>::from_napi_value(env, value) } {
                Ok(policy) => return Ok(PolicyArg::Policy(Box::new(policy.inner.clone()))),
                // Not a Policy (or an object posing as one): read it as JSON,
                // with no exception left pending.
                // SAFETY: as above.
                Err(e) => drop(unsafe { caught(env, e, "the policy") }),
            }
        }
        // SAFETY: as above.
        Ok(PolicyArg::Json(unsafe { Json::from_napi_value(env, value) }?))
    }
}

/// A `Date` argument (TypeScript `Date`): its time in milliseconds, or why it
/// is not one (another type is a `TypeError`; an invalid `Date` is `INVALID_INPUT`).
pub struct JsDate(Result<f64, &'static str>);

impl JsDate {
    /// The time, in whole milliseconds since the epoch.
    pub fn millis(self, name: &str) -> Result<i64, Failure> {
        let ms = self.0.map_err(|got| wrong_type(name, "a Date", got))?;
        if !ms.is_finite() {
            return Err(Failure::invalid(format!("`{name}` is an invalid Date")));
        }
        Ok(ms.floor() as i64)
    }
}

impl TypeName for JsDate {
    fn type_name() -> &'static str {
        "Date"
    }
    fn value_type() -> ValueType {
        ValueType::Object
    }
}

impl ValidateNapiValue for JsDate {}

impl FromNapiValue for JsDate {
    unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> napi::Result<Self> {
        let mut is_date = false;
        // SAFETY: napi-rs's own `env` and `value`.
        napi::check_status!(unsafe { sys::napi_is_date(env, value, &mut is_date) })?;
        if !is_date {
            // SAFETY: as above.
            let t = unsafe { value_type(env, value) }?;
            return Ok(JsDate(Err(if t == ValueType::Object { "another object" } else { type_of(t) })));
        }
        let mut ms = 0.0;
        // SAFETY: `value` is a Date.
        napi::check_status!(unsafe { sys::napi_get_date_value(env, value, &mut ms) })?;
        Ok(JsDate(Ok(ms)))
    }
}

/// Turns a JavaScript exception thrown while an argument was read (a getter
/// that throws, a `Proxy` trap) into the call's failure, so that the call
/// rejects instead of throwing: the exception is cleared, its message kept.
///
/// # Safety
/// `env` is napi-rs's own, on the JavaScript thread.
pub(crate) unsafe fn caught(env: sys::napi_env, error: napi::Error, what: &str) -> Failure {
    let mut pending = false;
    // SAFETY: the caller passes the live `env`.
    if unsafe { sys::napi_is_exception_pending(env, &mut pending) } == sys::Status::napi_ok && pending {
        let mut exception = std::ptr::null_mut();
        // SAFETY: as above; clearing the pending exception is what we want.
        let _ = unsafe { sys::napi_get_and_clear_last_exception(env, &mut exception) };
    }
    Failure::invalid(format!("{what} could not be read: {}", error.reason))
}
