//! Loading a module, picking the token a URI names, and logging in to it.

use crate::error::Pkcs11Error;
use crate::uri::Pkcs11Uri;
use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use std::path::Path;

/// A loaded and initialised PKCS#11 module.
pub struct Module {
    pub(crate) ctx: Pkcs11,
    path: String,
}

impl Module {
    /// Loads the module at `path` and initialises it. A file that is not a PKCS#11 library
    /// (or that its `C_Initialize` refuses) is [`Pkcs11Error::Module`].
    pub fn load(path: &Path) -> Result<Self, Pkcs11Error> {
        let shown = path.display().to_string();
        let module_error = |reason: String| Pkcs11Error::Module {
            path: shown.clone(),
            reason,
        };
        if !path.is_file() {
            return Err(module_error("no such file".into()));
        }
        let ctx = Pkcs11::new(path).map_err(|e| module_error(e.to_string()))?;
        ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK))
            .map_err(|e| module_error(format!("C_Initialize failed: {e}")))?;
        Ok(Module { ctx, path: shown })
    }

    /// The module path, as given.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Every slot with a token, with what the URI matches against.
    pub fn tokens(&self) -> Result<Vec<TokenSlot>, Pkcs11Error> {
        let lib = self.ctx.get_library_info()?;
        let mut tokens = Vec::new();
        for slot in self.ctx.get_slots_with_token()? {
            let slot_info = self.ctx.get_slot_info(slot)?;
            let info = self.ctx.get_token_info(slot)?;
            tokens.push(TokenSlot {
                slot,
                label: info.label().to_owned(),
                manufacturer: info.manufacturer_id().to_owned(),
                model: info.model().to_owned(),
                serial: info.serial_number().to_owned(),
                slot_description: slot_info.slot_description().to_owned(),
                slot_manufacturer: slot_info.manufacturer_id().to_owned(),
                library_manufacturer: lib.manufacturer_id().to_owned(),
                library_description: lib.library_description().to_owned(),
                protected_authentication_path: info.protected_authentication_path(),
                login_required: info.login_required(),
                user_pin_locked: info.user_pin_locked(),
                user_pin_initialized: info.user_pin_initialized(),
            });
        }
        Ok(tokens)
    }

    /// The one token `uri` names. None, or several (the URI must then say which, with
    /// `token=` or `serial=`), is [`Pkcs11Error::Token`].
    pub fn find_token(&self, uri: &Pkcs11Uri, uri_text: &str) -> Result<TokenSlot, Pkcs11Error> {
        let all = self.tokens()?;
        let labels: Vec<String> = all.iter().map(|t| format!("{:?}", t.label)).collect();
        let mut matching: Vec<TokenSlot> = all.into_iter().filter(|t| t.matches(uri)).collect();
        match matching.len() {
            1 => Ok(matching.remove(0)),
            0 if labels.is_empty() => Err(Pkcs11Error::Token(format!(
                "the module {} has no token (is the token plugged in and initialised?)",
                self.path
            ))),
            0 => Err(Pkcs11Error::Token(format!(
                "no token of the module {} matches {uri_text} (tokens: {})",
                self.path,
                labels.join(", ")
            ))),
            n => Err(Pkcs11Error::Token(format!(
                "{uri_text} matches {n} tokens ({}): add token=LABEL or serial=… to the URI",
                matching
                    .iter()
                    .map(|t| format!("{:?}", t.label))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }
}

/// A slot holding a token, with the token's and slot's descriptions.
#[derive(Clone, Debug)]
pub struct TokenSlot {
    pub(crate) slot: Slot,
    /// `CKA_LABEL` of the token (`token=` in a URI).
    pub label: String,
    /// The token manufacturer.
    pub manufacturer: String,
    /// The token model.
    pub model: String,
    /// The token serial number.
    pub serial: String,
    /// The slot description.
    pub slot_description: String,
    /// The slot manufacturer.
    pub slot_manufacturer: String,
    /// The module's manufacturer.
    pub library_manufacturer: String,
    /// The module's description.
    pub library_description: String,
    /// The token has its own PIN pad or biometric reader: log in without a PIN.
    pub protected_authentication_path: bool,
    /// Private objects need a login.
    pub login_required: bool,
    /// The user PIN is locked (too many wrong PINs).
    pub user_pin_locked: bool,
    /// A user PIN has been set.
    pub user_pin_initialized: bool,
}

impl TokenSlot {
    /// The slot number (`slot-id=`).
    pub fn slot_id(&self) -> u64 {
        self.slot.id()
    }

    /// Whether every token attribute of `uri` matches this token.
    pub fn matches(&self, uri: &Pkcs11Uri) -> bool {
        let eq = |want: &Option<String>, have: &str| want.as_deref().is_none_or(|w| w == have);
        eq(&uri.token, &self.label)
            && eq(&uri.manufacturer, &self.manufacturer)
            && eq(&uri.model, &self.model)
            && eq(&uri.serial, &self.serial)
            && eq(&uri.slot_description, &self.slot_description)
            && eq(&uri.slot_manufacturer, &self.slot_manufacturer)
            && eq(&uri.library_manufacturer, &self.library_manufacturer)
            && eq(&uri.library_description, &self.library_description)
            && uri.slot_id.is_none_or(|id| id == self.slot.id())
    }

    /// Whether logging in needs a PIN from the user (not on a token with its own PIN pad).
    pub fn needs_pin(&self) -> bool {
        self.login_required && !self.protected_authentication_path
    }

    /// Opens a read-only session and logs in as the user with `pin` (`None`: no login, or
    /// the token's PIN pad when it has one). A locked or unset user PIN is refused before a
    /// PIN is tried (trying it would only fail, or count against the token's retries).
    pub(crate) fn open(&self, module: &Module, pin: Option<&str>) -> Result<Session, Pkcs11Error> {
        let locked = |state| Pkcs11Error::PinLocked {
            token: self.label.clone(),
            state,
        };
        let session = module.ctx.open_ro_session(self.slot)?;
        if !self.login_required || (pin.is_none() && !self.protected_authentication_path) {
            return Ok(session);
        }
        if self.user_pin_locked {
            return Err(locked("locked"));
        }
        if !self.user_pin_initialized {
            return Err(locked("not initialised"));
        }
        let secret = pin.map(|p| AuthPin::from(p.to_owned()));
        match session.login(UserType::User, secret.as_ref()) {
            Ok(()) | Err(CkError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => Ok(session),
            Err(CkError::Pkcs11(RvError::PinIncorrect, _)) => Err(Pkcs11Error::PinIncorrect {
                token: self.label.clone(),
            }),
            Err(CkError::Pkcs11(RvError::PinLocked, _)) => Err(locked("locked")),
            Err(CkError::Pkcs11(RvError::UserPinNotInitialized, _)) => {
                Err(locked("not initialised"))
            }
            Err(e) => Err(e.into()),
        }
    }
}
