//! The JavaScript side of every call: errors become `Error`s with a `code`, results become
//! plain objects, and (in debug builds) a panic becomes a thrown `Error` instead of an opaque
//! `unreachable` trap.
//!
//! This is the only place where pqx-core errors are mapped: every exported function returns
//! [`JsResult`] and converts with `?` through [`JsError::from`].

use pqx_core::Error;
use serde::Serialize;
use wasm_bindgen::JsValue;

/// What an exported function returns: a value, or the `Error` it throws.
pub type JsResult<T> = Result<T, JsError>;

/// A pqx-core error on its way to JavaScript.
///
/// Converted to a JS `Error` whose `name` is `"PqxError"`, whose `message` is the core's
/// message, whose `code` is [`pqx_core::ErrorKind::name`] (`"zip"`, `"invalid-argument"`, …)
/// and whose `hint` is [`Error::hint`] (what to do about it) or `null`.
#[derive(Debug)]
pub struct JsError(pub Error);

impl From<Error> for JsError {
    fn from(e: Error) -> Self {
        JsError(e)
    }
}

impl JsError {
    /// The stable code the JS `Error` carries.
    pub fn code(&self) -> &'static str {
        self.0.kind().name()
    }
}

impl From<JsError> for JsValue {
    fn from(e: JsError) -> Self {
        js_error(e.code(), &e.0.to_string(), e.0.hint())
    }
}

/// A JS `Error` named `PqxError` with `code` and `hint` properties.
pub fn js_error(code: &str, message: &str, hint: Option<&str>) -> JsValue {
    let err = js_sys::Error::new(message);
    err.set_name("PqxError");
    // Setting a property on a fresh Error object cannot fail.
    let _ = js_sys::Reflect::set(&err, &JsValue::from_str("code"), &JsValue::from_str(code));
    let hint = hint.map_or(JsValue::NULL, JsValue::from_str);
    let _ = js_sys::Reflect::set(&err, &JsValue::from_str("hint"), &hint);
    err.into()
}

/// Converts a serializable value into a plain JS object (through JSON, so that `Option`s
/// become `null` and maps become objects, exactly as in the CLI's JSON output).
pub fn to_js<T: Serialize>(value: &T) -> JsResult<JsValue> {
    let json = serde_json::to_string(value).map_err(|e| unconvertible(&e.to_string()))?;
    json_to_js(&json)
}

/// Parses JSON text produced by the core into a JS value.
pub fn json_to_js(json: &str) -> JsResult<JsValue> {
    js_sys::JSON::parse(json).map_err(|_| unconvertible("the result is not valid JSON"))
}

/// A result the core produced cannot be handed to JavaScript. Not expected to happen: the
/// report types serialize infallibly; kept as an error rather than a panic.
fn unconvertible(reason: &str) -> JsError {
    JsError(Error::InvalidArgument(format!(
        "cannot convert the result to JavaScript: {reason}"
    )))
}

/// Installs, in debug builds, a panic hook that throws a JS `Error` with code `"panic"` and
/// the panic message, so that a bug shows up as a readable exception rather than a
/// `RuntimeError: unreachable`. Release builds keep the trap (no formatting machinery is
/// linked for it); no input is expected to panic in either.
pub fn install_panic_hook() {
    #[cfg(all(debug_assertions, target_arch = "wasm32"))]
    std::panic::set_hook(Box::new(|info| {
        wasm_bindgen::throw_val(js_error(
            "panic",
            &format!("pqx-wasm panicked: {info}"),
            None,
        ));
    }));
}
