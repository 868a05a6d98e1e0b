//! A watchlist's webhook: each alert POSTed as JSON to the watchlist's URL, signed with
//! HMAC-SHA256 over the exact body under the watchlist's own generated secret
//! (`X-Ownergraph-Signature: sha256=<hex>`). Deliveries wait in the store's queue (written
//! with the alerts, so an import only enqueues and a restart loses none); [`deliver_due`]
//! sends what is due and reschedules a failure with exponential backoff, giving up after
//! [`MAX_ATTEMPTS`].
//!
//! The client is `ureq` (blocking, rustls): a delivery runs on its own thread, not on the
//! server's async workers, and ureq brings no async runtime of its own. Every request has a
//! timeout and follows no redirect (a redirect could carry the alert elsewhere).

use crate::engine::Engine;
use crate::store::WatchlistRow;
use crate::store::{DueDelivery, ImportLogEntry, NewAlert, StoreError};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::time::Duration;

/// The header that carries the signature.
pub const SIGNATURE_HEADER: &str = "X-Ownergraph-Signature";
/// Attempts before a delivery is given up.
pub const MAX_ATTEMPTS: i64 = 8;
/// The whole of one request, connection included.
const TIMEOUT: Duration = Duration::from_secs(10);
/// Deliveries sent per look at the queue.
const BATCH: usize = 50;
/// Longest wait between two attempts.
const MAX_BACKOFF_SECS: i64 = 3600;
/// Longest webhook URL accepted.
const MAX_URL_CHARS: usize = 2000;

/// An `https://` URL, or `http://` to a loopback host (a receiver on the same machine, as in
/// tests): alerts name sanctioned parties and must not cross a network in the clear.
pub fn check_url(text: &str) -> Result<String, String> {
    let url = text.trim();
    if url.chars().count() > MAX_URL_CHARS || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "webhook: a URL of at most {MAX_URL_CHARS} characters without spaces"
        ));
    }
    let (secure, rest) = if let Some(rest) = url.strip_prefix("https://") {
        (true, rest)
    } else if let Some(rest) = url.strip_prefix("http://") {
        (false, rest)
    } else {
        return Err(format!("webhook: an https:// URL, got {url:?}"));
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err("webhook: no user name or password in the URL".into());
    }
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    if host.is_empty() {
        return Err(format!("webhook: no host in {url:?}"));
    }
    if !secure && !is_loopback(host) {
        return Err(format!(
            "webhook: https:// is required (plain http:// only to this machine), got {url:?}"
        ));
    }
    Ok(url.to_string())
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// `sha256=<hex>` of HMAC-SHA256 over `body` with `secret` (the hex text itself is the key).
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

/// The JSON body of one alert's delivery.
pub(super) fn body(
    w: &WatchlistRow,
    aid: i64,
    alert: &NewAlert,
    (name, line): (&str, i64),
    release: Option<&ImportLogEntry>,
    version: i64,
) -> String {
    let json = |text: &Option<String>| {
        text.as_deref()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok())
    };
    serde_json::json!({
        "watchlist": w.name,
        "regime": w.regime,
        "alert": {
            "id": aid,
            "kind": alert.kind,
            "row": {"line": line, "name": name},
            "before": json(&alert.before),
            "after": json(&alert.after),
            "evidence": json(&alert.evidence),
            "release": release.map(|r| serde_json::json!({
                "id": r.iid,
                "dataset": r.dataset,
                "day": r.as_of.clone().unwrap_or_else(|| r.imported_at.chars().take(10).collect()),
            })),
            "data_version": version,
        }
    })
    .to_string()
}

/// How many deliveries [`deliver_due`] sent and how many failed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Sent {
    pub delivered: usize,
    pub failed: usize,
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(TIMEOUT))
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into()
}

/// One attempt: `Ok` on a 2xx answer.
fn post(agent: &ureq::Agent, d: &DueDelivery) -> Result<(), String> {
    let response = agent
        .post(&d.url)
        .header("Content-Type", "application/json")
        .header(SIGNATURE_HEADER, signature(&d.secret, d.body.as_bytes()))
        .header("X-Ownergraph-Delivery", d.did.to_string())
        .send(d.body.as_bytes())
        .map_err(|e| e.to_string())?;
    let status = response.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("the receiver answered {status}"))
    }
}

/// The wait after a failed `attempts`-th attempt: 2, 4, 8… seconds, at most an hour.
pub fn backoff(attempts: i64) -> i64 {
    (1i64 << attempts.clamp(1, 20)).min(MAX_BACKOFF_SECS)
}

/// Sends every delivery due now; a failure is tried again after [`backoff`], or given up
/// after [`MAX_ATTEMPTS`].
pub fn deliver_due(engine: &Engine) -> Result<Sent, StoreError> {
    let now = crate::accounts::now();
    let due = engine.read(|s| s.due_deliveries(now, BATCH))?;
    let mut sent = Sent::default();
    if due.is_empty() {
        return Ok(sent);
    }
    let agent = agent();
    for d in &due {
        let outcome = post(&agent, d);
        let attempts = d.attempts + 1;
        let retry_at = (attempts < MAX_ATTEMPTS).then(|| crate::accounts::now() + backoff(attempts));
        match &outcome {
            Ok(()) => sent.delivered += 1,
            Err(e) => {
                sent.failed += 1;
                tracing::warn!("webhook delivery {} (attempt {attempts}): {e}", d.did);
            }
        }
        engine
            .write(|s| s.delivery_attempted(d.did, outcome.as_ref().err().map(String::as_str), retry_at))?;
    }
    Ok(sent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_https_or_loopback() {
        for good in [
            "https://hooks.example.com/x",
            "http://127.0.0.1:9000/hook",
            "http://[::1]:8080/",
            "http://localhost/a",
        ] {
            assert!(check_url(good).is_ok(), "{good} refused");
        }
        for bad in [
            "http://hooks.example.com/x",
            "ftp://x",
            "https://user:pw@example.com/",
            "https:///path",
            "http://10.0.0.1/",
            "https://exa mple.com",
        ] {
            assert!(check_url(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn signature_is_rfc_4231_hmac_sha256() {
        // RFC 4231 test case 2: key "Jefe".
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(backoff(1), 2);
        assert_eq!(backoff(3), 8);
        assert_eq!(backoff(30), MAX_BACKOFF_SECS);
    }
}
