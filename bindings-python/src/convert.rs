//! Python values in and out: strings, ids, counts, times and JSON-like data.
//!
//! Only conversions live here. Whether a value is acceptable (lengths, names,
//! ranges) is the core's decision; a value that cannot even be handed to the
//! core (a `str` with a lone surrogate, an `int` beyond 64 bits, a negative
//! count) is `InvalidInput`, and a value of the wrong Python type is `TypeError`.

use std::marker::PhantomData;
use std::str::FromStr;

use invitekit::Timestamp;
use pyo3::exceptions::PyOverflowError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyBool, PyBytes, PyBytesMethods, PyDateTime, PyDelta, PyDict, PyFloat, PyInt, PyList, PySequence, PyString,
    PyTzInfo,
};

use crate::error;

/// A value of the wrong Python type, named for the message (`a str`, ...).
fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".to_owned())
}

/// `expected ..., got <type>`: a `TypeError` that is also `InvalidInput` ([`error::wrong_type`]).
pub(crate) fn expected(obj: &Bound<'_, PyAny>, what: &str) -> PyErr {
    error::wrong_type(obj.py(), format!("expected {what}, got {}", type_name(obj)))
}

/// The core's `invalid_input`, raised as `invitekit.InvalidInput`.
pub(crate) fn invalid(py: Python<'_>, msg: impl Into<String>) -> PyErr {
    error::to_py(py, invitekit::Error::InvalidInput(msg.into()))
}

const LONE_SURROGATE: &str = "the text is not valid Unicode: it contains a lone surrogate";

/// A Python `str` as UTF-8. A `str` that is not valid Unicode (a lone
/// surrogate, as `"\ud800"`) is `InvalidInput`; anything but a `str` is `TypeError`.
pub(crate) struct Text(pub String);

impl<'a, 'py> FromPyObject<'a, 'py> for Text {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        let s = obj.cast::<PyString>().map_err(|_| expected(&obj, "a str"))?;
        match s.to_cow() {
            Ok(text) => Ok(Text(text.into_owned())),
            Err(_) => Err(invalid(obj.py(), LONE_SURROGATE)),
        }
    }
}

impl Text {
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

/// The `&str`s of a list of [`Text`].
pub(crate) fn strs(list: &[Text]) -> Vec<&str> {
    list.iter().map(Text::as_str).collect()
}

/// A list argument: a `list`, a `tuple` or another sequence, each item a `T`.
/// A `str` or `bytes` (which Python would read as a list of characters) and
/// anything that is not a sequence are a wrong type, as a wrong item is:
/// `TypeError` and `InvalidInput`, naming the argument.
pub(crate) struct List<T>(pub Vec<T>);

impl<'a, 'py, T> FromPyObject<'a, 'py> for List<T>
where
    T: for<'b> FromPyObject<'b, 'py, Error = PyErr>,
{
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if obj.is_instance_of::<PyString>() || obj.is_instance_of::<PyBytes>() {
            return Err(expected(&obj, "a list"));
        }
        let seq = obj.cast::<PySequence>().map_err(|_| expected(&obj, "a list"))?;
        let mut items = Vec::with_capacity(seq.len().unwrap_or(0));
        for item in seq.try_iter()? {
            items.push(item?.extract::<T>()?);
        }
        Ok(List(items))
    }
}

impl<T> List<T> {
    pub(crate) fn items(&self) -> &[T] {
        &self.0
    }
}

/// An id given as a `str`, parsed by the core (a malformed one is its `invalid_input`).
pub(crate) struct Id<T>(pub T, PhantomData<T>);

impl<'a, 'py, T> FromPyObject<'a, 'py> for Id<T>
where
    T: FromStr<Err = invitekit::Error>,
{
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        // Parsed from the UTF-8 bytes Python makes, without copying them into a `String`.
        let text = obj.cast::<PyString>().map_err(|_| expected(&obj, "a str (an id)"))?;
        let utf8 = text.encode_utf8().map_err(|_| invalid(obj.py(), LONE_SURROGATE))?;
        let s = std::str::from_utf8(utf8.as_bytes()).map_err(|_| invalid(obj.py(), LONE_SURROGATE))?;
        s.parse::<T>().map(|id| Id(id, PhantomData)).map_err(|e| error::to_py(obj.py(), e))
    }
}

impl<T: Copy> Id<T> {
    pub(crate) fn get(&self) -> T {
        self.0
    }
}

/// A Python `bool`; anything else (an `int`, `None`) is a wrong type.
pub(crate) struct Bool(pub bool);

impl<'a, 'py> FromPyObject<'a, 'py> for Bool {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        obj.cast::<PyBool>().map(|b| Bool(b.is_true())).map_err(|_| expected(&obj, "a bool"))
    }
}

/// A Python `int` (not a `bool`) that fits in 64 bits.
pub(crate) struct Int(pub i64);

impl<'a, 'py> FromPyObject<'a, 'py> for Int {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if obj.is_instance_of::<PyBool>() || !obj.is_instance_of::<PyInt>() {
            return Err(expected(&obj, "an int"));
        }
        match obj.extract::<i64>() {
            Ok(n) => Ok(Int(n)),
            Err(e) if e.is_instance_of::<PyOverflowError>(obj.py()) => {
                Err(invalid(obj.py(), "the integer is out of range (it must fit in 64 bits)"))
            }
            Err(e) => Err(e),
        }
    }
}

impl Int {
    /// As a count or a position: a negative value is `InvalidInput` naming `what`.
    pub(crate) fn unsigned(&self, py: Python<'_>, what: &str) -> PyResult<u64> {
        u64::try_from(self.0).map_err(|_| invalid(py, format!("`{what}` must not be negative")))
    }

    /// As a size. A value beyond the platform's `usize` goes to the core as the
    /// largest `usize`, which the core refuses with its own range message.
    pub(crate) fn size(&self, py: Python<'_>, what: &str) -> PyResult<usize> {
        Ok(usize::try_from(self.unsigned(py, what)?).unwrap_or(usize::MAX))
    }
}

fn epoch(py: Python<'_>) -> PyResult<&Bound<'_, PyDateTime>> {
    static EPOCH: PyOnceLock<Py<PyDateTime>> = PyOnceLock::new();
    EPOCH
        .get_or_try_init(py, || {
            let utc = PyTzInfo::utc(py)?;
            Ok::<_, PyErr>(PyDateTime::new(py, 1970, 1, 1, 0, 0, 0, 0, Some(&utc))?.unbind())
        })
        .map(|e| e.bind(py))
}

/// A core time (milliseconds since the epoch) as a timezone-aware UTC `datetime`.
pub(crate) fn datetime(py: Python<'_>, t: Timestamp) -> PyResult<Bound<'_, PyAny>> {
    const DAY_MS: i64 = 86_400_000;
    let ms = t.as_millis();
    let days = i32::try_from(ms.div_euclid(DAY_MS)).map_err(|_| PyOverflowError::new_err("time out of range"))?;
    let rest = ms.rem_euclid(DAY_MS);
    // `rest` is below one day, so both parts fit in an i32.
    let secs = i32::try_from(rest / 1000).unwrap_or(0);
    let micros = i32::try_from((rest % 1000) * 1000).unwrap_or(0);
    let delta = PyDelta::new(py, days, secs, micros, true)?;
    epoch(py)?.add(delta)
}

/// A timezone-aware `datetime` as a core time (whole milliseconds, rounded down).
/// A naive `datetime` is `TypeError`, as in Python's own arithmetic.
pub(crate) fn timestamp(py: Python<'_>, dt: &Bound<'_, PyAny>) -> PyResult<Timestamp> {
    if !dt.is_instance_of::<PyDateTime>() {
        return Err(expected(dt, "a datetime"));
    }
    let delta = dt.sub(epoch(py)?)?;
    let one_ms = PyDelta::new(py, 0, 0, 1000, false)?;
    let ms = delta.floor_div(one_ms)?;
    match ms.extract::<i64>() {
        Ok(ms) => Ok(Timestamp::from_millis(ms)),
        Err(_) => Err(invalid(py, "the time is out of range")),
    }
}

/// A JSON value as plain Python data (`dict`, `list`, `str`, `int`, `float`, `bool`, `None`).
pub(crate) fn json_to_py<'py>(py: Python<'py>, v: &serde_json::Value) -> PyResult<Bound<'py, PyAny>> {
    use serde_json::Value;
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(json_to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, item) in map {
                dict.set_item(k, json_to_py(py, item)?)?;
            }
            dict.into_any()
        }
    })
}

/// How deep [`py_to_json`] follows nested lists and dicts (a self-containing
/// list must not exhaust the stack).
const MAX_JSON_DEPTH: usize = 16;

/// Plain Python data as a JSON value, for the core to read (the keyword
/// arguments of `set_organization_settings`, an invitation's metadata).
/// `what` names the argument in errors. Other types are `TypeError`; a float
/// that JSON cannot hold (NaN, infinity) is `InvalidInput`.
pub(crate) fn py_to_json(py: Python<'_>, obj: &Bound<'_, PyAny>, what: &str) -> PyResult<serde_json::Value> {
    json_at(py, obj, what, 0)
}

fn json_at(py: Python<'_>, obj: &Bound<'_, PyAny>, what: &str, depth: usize) -> PyResult<serde_json::Value> {
    use serde_json::Value;
    if depth > MAX_JSON_DEPTH {
        return Err(invalid(py, format!("{what} nests lists or dicts more than {MAX_JSON_DEPTH} deep")));
    }
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.is_instance_of::<PyInt>() {
        let Int(n) = obj.extract()?;
        return Ok(Value::from(n));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return serde_json::Number::from_f64(f.value())
            .map(Value::Number)
            .ok_or_else(|| invalid(py, format!("{what} holds {}, which JSON cannot", f.value())));
    }
    if obj.is_instance_of::<PyString>() {
        let Text(s) = obj.extract()?;
        return Ok(Value::String(s));
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut map = serde_json::Map::new();
        for (k, v) in d.iter() {
            if !k.is_instance_of::<PyString>() {
                return Err(error::wrong_type(py, format!("{what} has a key that is not a str: {}", type_name(&k))));
            }
            let Text(k) = k.extract()?;
            map.insert(k, json_at(py, &v, what, depth + 1)?);
        }
        return Ok(Value::Object(map));
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<pyo3::types::PyTuple>() {
        let mut items = Vec::new();
        for item in obj.try_iter()? {
            items.push(json_at(py, &item?, what, depth + 1)?);
        }
        return Ok(Value::Array(items));
    }
    Err(error::wrong_type(
        py,
        format!("{what} must be a dict, list, str, int, float, bool or None, not {}", type_name(obj)),
    ))
}

/// `s` as Python's `repr` shows a `str`, for the `__repr__` of result objects.
pub(crate) fn repr_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// A list of `str` as Python shows it (`['a', 'b']`).
pub(crate) fn repr_list<S: AsRef<str>>(items: &[S]) -> String {
    let parts: Vec<String> = items.iter().map(|s| repr_str(s.as_ref())).collect();
    format!("[{}]", parts.join(", "))
}

/// A `bool` as Python shows it.
pub(crate) fn repr_bool(b: bool) -> String {
    (if b { "True" } else { "False" }).to_owned()
}

/// A list of objects as Python shows it, each by `repr`.
pub(crate) fn repr_items<T>(
    py: Python<'_>,
    items: &[T],
    repr: fn(Python<'_>, &T) -> PyResult<String>,
) -> PyResult<String> {
    let parts = items.iter().map(|item| repr(py, item)).collect::<PyResult<Vec<_>>>()?;
    Ok(format!("[{}]", parts.join(", ")))
}

/// An optional `str` as Python shows it (`None` or `'...'`).
pub(crate) fn repr_opt(s: Option<&str>) -> String {
    s.map_or_else(|| "None".to_owned(), repr_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repr_str_looks_like_python() {
        assert_eq!(repr_str("Bob"), "'Bob'");
        assert_eq!(repr_str("it's\n"), "'it\\'s\\n'");
        assert_eq!(repr_opt(None), "None");
        assert_eq!(repr_list(&["a", "b"]), "['a', 'b']");
    }
}
