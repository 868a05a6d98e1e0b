//! Accounts and signing in: roles, argon2 password hashes, session tokens, the sign-in rate
//! limit. Reading needs no account; every write to the data does.
//!
//! Architecture invariant: no secret is stored in the clear. Passwords are kept as argon2 PHC
//! strings; a session token lives only in the browser's cookie, the database holds its SHA-256.
//! This module knows nothing of HTTP: the web layer carries tokens in cookies and forms.

use crate::engine::Engine;
use crate::store::{Store, StoreError, UserRow};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::rngs::OsRng;
use rand::TryRngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

/// How long a session lasts after signing in.
pub const SESSION_SECONDS: i64 = 12 * 60 * 60;
/// The window over which failed sign-ins are counted.
pub const FAILURE_WINDOW_SECONDS: i64 = 15 * 60;
/// Failed sign-ins allowed per account within the window; the next attempt is refused.
pub const MAX_FAILURES_PER_ACCOUNT: u64 = 5;
/// Failed sign-ins allowed per client address within the window.
pub const MAX_FAILURES_PER_CLIENT: u64 = 10;
/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// What an account may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything a curator may, and revert changes.
    Admin,
    /// Add and end relations, add aliases and notes.
    Curator,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Curator => "curator",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Role, String> {
        match s {
            "admin" => Ok(Role::Admin),
            "curator" => Ok(Role::Curator),
            _ => Err(format!("unknown role {s:?}; expected admin or curator")),
        }
    }
}

/// A signed-in account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub name: String,
    pub role: Role,
}

impl User {
    fn from_row(row: &UserRow) -> Result<User, AccountError> {
        Ok(User {
            name: row.name.clone(),
            role: row
                .role
                .parse()
                .map_err(|e: String| AccountError::Store(StoreError::Corrupt(e)))?,
        })
    }
}

/// A signed-in session: the account and the token every form of the session must carry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Session {
    pub user: User,
    pub csrf: String,
}

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("{0}")]
    Invalid(String),
    #[error("wrong name or password")]
    WrongCredentials,
    #[error("too many failed sign-ins {scope} in the last {} minutes; try again later", FAILURE_WINDOW_SECONDS / 60)]
    RateLimited { scope: &'static str },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Seconds since the Unix epoch, now.
pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// A fresh random token: 32 bytes from the operating system, as 64 hex digits.
pub fn new_token() -> String {
    hex(&random_bytes::<32>())
}

/// Bytes from the operating system's random source.
fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    OsRng
        .try_fill_bytes(&mut bytes)
        .expect("the operating system's random source is available");
    bytes
}

/// The SHA-256 of a token, as stored in place of the token itself.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares two secrets in time that does not depend on where they first differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Hashes a password as an argon2id PHC string with a random salt.
pub fn hash_password(password: &str) -> String {
    let salt = SaltString::encode_b64(&random_bytes::<16>()).expect("16 bytes make a valid salt");
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 with default parameters hashes any password")
        .to_string()
}

/// Whether `password` matches the PHC string `phc`.
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|hash| {
            Argon2::default()
                .verify_password(password.as_bytes(), &hash)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash to verify against when the account does not exist, so a wrong name takes as long
/// to refuse as a wrong password and names cannot be guessed by timing.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| hash_password("decoy password never used"))
}

fn check_name(name: &str) -> Result<(), AccountError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'@'));
    if ok {
        Ok(())
    } else {
        Err(AccountError::Invalid(format!(
            "user name {name:?} must be 1 to 64 letters, digits, '.', '_', '-' or '@'"
        )))
    }
}

/// Adds an account with a freshly hashed password.
pub fn add_user(store: &mut Store, name: &str, role: Role, password: &str) -> Result<UserRow, AccountError> {
    check_name(name)?;
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AccountError::Invalid(format!(
            "the password must have at least {MIN_PASSWORD_CHARS} characters"
        )));
    }
    Ok(store.add_user(name, role.as_str(), &hash_password(password))?)
}

/// Signs in: checks the rate limit, then the password; on success stores a new session and
/// returns its token (for the cookie) and the session. A failure is counted against both
/// the account and the client address.
pub fn sign_in(
    engine: &Engine,
    name: &str,
    password: &str,
    client: &str,
) -> Result<(String, Session), AccountError> {
    let now = now();
    let since = now - FAILURE_WINDOW_SECONDS;
    let (by_account, by_client) = engine.read(|store| store.login_failures(name, client, since))?;
    if by_account >= MAX_FAILURES_PER_ACCOUNT {
        return Err(AccountError::RateLimited {
            scope: "for this account",
        });
    }
    if by_client >= MAX_FAILURES_PER_CLIENT {
        return Err(AccountError::RateLimited {
            scope: "from this address",
        });
    }
    let found = engine.read(|store| store.user_credentials(name))?;
    let (row, hash) = match &found {
        Some((row, hash)) => (Some(row), hash.as_str()),
        None => (None, decoy_hash()),
    };
    let matches = verify_password(password, hash);
    let Some(row) = row.filter(|_| matches) else {
        engine.write(|store| store.record_login_failure(name, client, now, since))?;
        return Err(AccountError::WrongCredentials);
    };
    let user = User::from_row(row)?;
    let token = new_token();
    let csrf = new_token();
    engine.write(|store| {
        store.create_session(&token_hash(&token), row.uid, &csrf, now, now + SESSION_SECONDS)
    })?;
    Ok((token, Session { user, csrf }))
}

/// The live session a cookie's token belongs to, if any.
pub fn session(engine: &Engine, token: &str) -> Result<Option<Session>, AccountError> {
    let Some(row) = engine.read(|store| store.session(&token_hash(token), now()))? else {
        return Ok(None);
    };
    Ok(Some(Session {
        user: User::from_row(&row.user)?,
        csrf: row.csrf,
    }))
}

/// Ends the session a token belongs to.
pub fn sign_out(engine: &Engine, token: &str) -> Result<(), AccountError> {
    Ok(engine.write(|store| store.delete_session(&token_hash(token)))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_to_phc_strings_and_verify() {
        let phc = hash_password("correct horse battery");
        assert!(phc.starts_with("$argon2id$"), "{phc}");
        assert!(verify_password("correct horse battery", &phc));
        assert!(!verify_password("correct horse batterY", &phc));
        assert!(!verify_password("anything", "not a phc string"));
        assert_ne!(phc, hash_password("correct horse battery"), "salted");
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let (a, b) = (new_token(), new_token());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(token_hash("abc").len(), 64);
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(same_secret(&a, &a.clone()) && !same_secret(&a, &b) && !same_secret("a", "ab"));
    }

    #[test]
    fn roles_and_names() {
        assert_eq!("admin".parse::<Role>(), Ok(Role::Admin));
        assert!("root".parse::<Role>().is_err());
        assert!(check_name("ana.lyst-1").is_ok());
        for bad in ["", "a b", "<x>", &"x".repeat(65)] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }
}
