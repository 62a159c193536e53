//! The pairing QR code of a WhatsApp Web bot, as data, SVG or PNG.

use poem::web::Data;
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::Path,
    payload::{Binary, Json, PlainText},
};
use uuid::Uuid;
use wabot_core::domain::{Bot, Role};

use crate::{
    api::{ApiTags, load_bot},
    auth::ApiAuth,
    error::ApiError,
    state::AppState,
};

/// Reading the pairing QR code.
pub struct BotsQrApi;

/// The current pairing QR code.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct QrData {
    /// The bot.
    pub bot_id: Uuid,
    /// The raw QR payload (what the code encodes).
    pub code: String,
    /// The code as an SVG image.
    pub svg: String,
}

fn qr_code(state: &AppState, bot: &Bot) -> Result<qrcode::QrCode, ApiError> {
    let code = state.qr.get(bot.id).ok_or_else(|| {
        ApiError::NotFound(Json(crate::error::ErrorBody {
            code: "no_qr".into(),
            message: "the bot is not waiting to be paired; start a WhatsApp Web bot and watch \
                      for the `bot.qr` event"
                .into(),
            details: None,
        }))
    })?;
    qrcode::QrCode::new(code.as_bytes()).map_err(ApiError::internal)
}

#[OpenApi(prefix_path = "/bots", tag = "ApiTags::Bots")]
impl BotsQrApi {
    /// Get the pairing QR code as SVG
    #[oai(
        path = "/:bot_id/qr.svg",
        method = "get",
        operation_id = "get_bot_qr_svg"
    )]
    async fn qr_svg(
        &self,
        auth: ApiAuth,
        state: Data<&AppState>,
        /// The bot.
        bot_id: Path<Uuid>,
    ) -> Result<SvgResponse, ApiError> {
        let bot = load_bot(&state, auth.principal(), bot_id.0, Role::Manager).await?;
        let svg = qr_code(&state, &bot)?
            .render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(256, 256)
            .build();
        Ok(SvgResponse::Svg(PlainText(svg)))
    }

    /// Get the pairing QR code as PNG
    #[oai(
        path = "/:bot_id/qr.png",
        method = "get",
        operation_id = "get_bot_qr_png"
    )]
    async fn qr_png(
        &self,
        auth: ApiAuth,
        state: Data<&AppState>,
        /// The bot.
        bot_id: Path<Uuid>,
    ) -> Result<PngResponse, ApiError> {
        let bot = load_bot(&state, auth.principal(), bot_id.0, Role::Manager).await?;
        let img = qr_code(&state, &bot)?
            .render::<image::Luma<u8>>()
            .min_dimensions(256, 256)
            .build();
        let mut png = std::io::Cursor::new(Vec::new());
        img.write_to(&mut png, image::ImageFormat::Png)
            .map_err(ApiError::internal)?;
        Ok(PngResponse::Png(Binary(png.into_inner())))
    }

    /// Get the pairing QR code as data
    #[oai(path = "/:bot_id/qr", method = "get", operation_id = "get_bot_qr")]
    async fn qr_data(
        &self,
        auth: ApiAuth,
        state: Data<&AppState>,
        /// The bot.
        bot_id: Path<Uuid>,
    ) -> Result<Json<QrData>, ApiError> {
        let bot = load_bot(&state, auth.principal(), bot_id.0, Role::Manager).await?;
        let code = qr_code(&state, &bot)?;
        Ok(Json(QrData {
            bot_id: bot.id.as_uuid(),
            code: state.qr.get(bot.id).unwrap_or_default(),
            svg: code
                .render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(256, 256)
                .build(),
        }))
    }
}

/// An SVG image.
#[derive(Debug, ApiResponse)]
pub enum SvgResponse {
    /// The QR code.
    #[oai(status = 200, content_type = "image/svg+xml")]
    Svg(PlainText<String>),
}

/// A PNG image.
#[derive(Debug, ApiResponse)]
pub enum PngResponse {
    /// The QR code.
    #[oai(status = 200, content_type = "image/png")]
    Png(Binary<Vec<u8>>),
}
