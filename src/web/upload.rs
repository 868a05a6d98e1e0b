//! What the upload forms (`/screen`, `/import`) share: reading a multipart form's text fields
//! and the file name a client gave, both bounded.

use super::AppError;

/// Longest text field of an upload form, in bytes.
pub const MAX_FIELD_BYTES: usize = 1024;

/// Reads a multipart text field: at most [`MAX_FIELD_BYTES`], UTF-8.
pub async fn text_field(field: &mut actix_multipart::Field, name: &str) -> Result<String, AppError> {
    let bytes = field
        .bytes(MAX_FIELD_BYTES)
        .await
        .map_err(|_| AppError::BadRequest(format!("{name}: longer than {MAX_FIELD_BYTES} bytes")))?
        .map_err(|e| AppError::BadRequest(format!("malformed upload: {e}")))?;
    String::from_utf8(bytes.to_vec()).map_err(|_| AppError::BadRequest(format!("{name}: not UTF-8 text")))
}

/// The last component of an uploaded file's name, at most 100 characters, for messages.
pub fn display_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    base.chars().filter(|c| !c.is_control()).take(100).collect()
}
