//! Accounts, sessions and failed sign-ins: the SQL behind [`crate::accounts`].

use super::{Result, Store, StoreError};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;

/// An account as stored (without its password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserRow {
    pub uid: i64,
    pub name: String,
    pub role: String,
    pub created_at: String,
}

/// A live session joined with its user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub user: UserRow,
    pub csrf: String,
    pub expires_at: i64,
}

const USER_COLUMNS: &str = "u.uid, u.name, u.role, u.created_at";

fn user_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<UserRow> {
    Ok(UserRow {
        uid: row.get(0)?,
        name: row.get(1)?,
        role: row.get(2)?,
        created_at: row.get(3)?,
    })
}

impl Store {
    /// Adds an account; refuses a name already taken.
    pub fn add_user(&mut self, name: &str, role: &str, password_hash: &str) -> Result<UserRow> {
        let tx = self.conn.transaction()?;
        let taken: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM users WHERE name = ?1)",
            [name],
            |r| r.get(0),
        )?;
        if taken {
            return Err(StoreError::Conflict(format!("user {name:?} already exists")));
        }
        tx.execute(
            "INSERT INTO users (name, role, password_hash, created_at)
             VALUES (?1, ?2, ?3, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
            params![name, role, password_hash],
        )?;
        let uid = tx.last_insert_rowid();
        let user = tx.query_row(
            &format!("SELECT {USER_COLUMNS} FROM users u WHERE u.uid = ?1"),
            [uid],
            user_from_row,
        )?;
        tx.commit()?;
        Ok(user)
    }

    /// Every account, by name.
    pub fn users(&self) -> Result<Vec<UserRow>> {
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {USER_COLUMNS} FROM users u ORDER BY u.name"))?;
        let rows = stmt.query_map([], user_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Removes an account and its sessions; its changes keep the name as their author.
    pub fn remove_user(&mut self, name: &str) -> Result<()> {
        let tx = self.conn.transaction()?;
        let uid: Option<i64> = tx
            .query_row("SELECT uid FROM users WHERE name = ?1", [name], |r| r.get(0))
            .optional()?;
        let Some(uid) = uid else {
            return Err(StoreError::NotFound(format!("no user named {name:?}")));
        };
        tx.execute("DELETE FROM sessions WHERE uid = ?1", [uid])?;
        tx.execute("DELETE FROM users WHERE uid = ?1", [uid])?;
        tx.commit()?;
        Ok(())
    }

    /// An account with its password hash, for signing in.
    pub fn user_credentials(&self, name: &str) -> Result<Option<(UserRow, String)>> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {USER_COLUMNS}, u.password_hash FROM users u WHERE u.name = ?1"
            ))?
            .query_row([name], |r| Ok((user_from_row(r)?, r.get(4)?)))
            .optional()?)
    }

    /// Failed sign-ins since `since` (unix seconds) for `account` and from `client`.
    pub fn login_failures(&self, account: &str, client: &str, since: i64) -> Result<(u64, u64)> {
        let count = |sql: &str, key: &str| -> Result<u64> {
            Ok(self
                .conn
                .prepare_cached(sql)?
                .query_row(params![key, since], |r| r.get::<_, i64>(0))? as u64)
        };
        Ok((
            count(
                "SELECT count(*) FROM login_failures WHERE account = ?1 AND at >= ?2",
                account,
            )?,
            count(
                "SELECT count(*) FROM login_failures WHERE client = ?1 AND at >= ?2",
                client,
            )?,
        ))
    }

    /// Records a failed sign-in at `now` and forgets those older than `forget_before`.
    pub fn record_login_failure(
        &mut self,
        account: &str,
        client: &str,
        now: i64,
        forget_before: i64,
    ) -> Result<()> {
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM login_failures WHERE at < ?1", [forget_before])?;
        tx.execute(
            "INSERT INTO login_failures (at, account, client) VALUES (?1, ?2, ?3)",
            params![now, account, client],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Stores a new session (by the hash of its token) and drops expired ones.
    pub fn create_session(
        &mut self,
        token_hash: &str,
        uid: i64,
        csrf: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM sessions WHERE expires_at <= ?1", [now])?;
        tx.execute(
            "INSERT INTO sessions (token_hash, uid, csrf, created_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![token_hash, uid, csrf, now, expires_at],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The unexpired session whose token hashes to `token_hash`, with its user.
    pub fn session(&self, token_hash: &str, now: i64) -> Result<Option<SessionRow>> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {USER_COLUMNS}, s.csrf, s.expires_at
                 FROM sessions s JOIN users u ON u.uid = s.uid
                 WHERE s.token_hash = ?1 AND s.expires_at > ?2"
            ))?
            .query_row(params![token_hash, now], |r| {
                Ok(SessionRow {
                    user: user_from_row(r)?,
                    csrf: r.get(4)?,
                    expires_at: r.get(5)?,
                })
            })
            .optional()?)
    }

    /// Ends a session; ending one that does not exist is not an error.
    pub fn delete_session(&mut self, token_hash: &str) -> Result<()> {
        self.conn
            .execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])?;
        Ok(())
    }
}
