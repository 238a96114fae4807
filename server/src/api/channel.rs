//! The member channel's routes: the manager's app (a device) pairs, sends and reads under
//! `/api/v1/`; the member's page does the same under `/me/api/` with the token its pairing gave
//! it. The server relays sealed messages it cannot open (`store::channel`).

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::StatusCode;
use taiwa_protocol::channel::{
    Acked, Acks, Inbox, ManagerSend, MemberPairRequest, MemberPaired, MemberState, PairingCode, PairingRequest,
    Pairings, Rated, RatingRequest, SealedMessage, Sent,
};

use super::error::{ApiResult, blocking};
use super::extract::{Device, JsonBody, Member};
use crate::app::AppState;
use crate::store::{self, Pair, Way};

pub async fn create_pairing(
    State(state): State<AppState>,
    device: Device,
    JsonBody(request): JsonBody<PairingRequest>,
) -> ApiResult<(StatusCode, Json<PairingCode>)> {
    let pool = state.pool.clone();
    let code = blocking(move || {
        store::create_pairing_code(
            &pool,
            &device.employee_id,
            &request.member_employee_id,
            &request.manager_key,
        )
    })
    .await?;
    Ok((StatusCode::CREATED, Json(code)))
}

pub async fn pairings(State(state): State<AppState>, device: Device) -> ApiResult<Json<Pairings>> {
    let pool = state.pool.clone();
    Ok(Json(
        blocking(move || store::pairings(&pool, &device.employee_id)).await?,
    ))
}

pub async fn unpair(
    State(state): State<AppState>,
    device: Device,
    Path(member): Path<String>,
) -> ApiResult<StatusCode> {
    let pool = state.pool.clone();
    blocking(move || store::unpair(&pool, &device.employee_id, &member)).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn manager_send(
    State(state): State<AppState>,
    device: Device,
    JsonBody(request): JsonBody<ManagerSend>,
) -> ApiResult<(StatusCode, Json<Sent>)> {
    let pool = state.pool.clone();
    let pair = Pair {
        manager_id: device.employee_id.clone(),
        member_id: request.member_employee_id.clone(),
    };
    let sent = blocking(move || {
        let tz = store::company_zone(&pool)?;
        store::send(&pool, tz, &pair, Way::ToMember, &request.message())
    })
    .await?;
    Ok((StatusCode::CREATED, Json(sent)))
}

pub async fn manager_inbox(State(state): State<AppState>, device: Device) -> ApiResult<Json<Inbox>> {
    let pool = state.pool.clone();
    Ok(Json(
        blocking(move || store::inbox(&pool, &device.employee_id, None, Way::ToManager)).await?,
    ))
}

pub async fn manager_acks(
    State(state): State<AppState>,
    device: Device,
    JsonBody(request): JsonBody<Acks>,
) -> ApiResult<Json<Acked>> {
    let pool = state.pool.clone();
    let deleted =
        blocking(move || store::acknowledge(&pool, &device.employee_id, None, Way::ToManager, &request.acks)).await?;
    Ok(Json(Acked { deleted }))
}

/// `POST /me/api/pair`: wrong codes are counted per address like enrolment codes, and per code
/// (`store::pair_member`), so a guesser behind the company proxy cannot lock out a colleague whose
/// manager just showed them a real code.
pub async fn member_pair(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: axum::http::HeaderMap,
    JsonBody(request): JsonBody<MemberPairRequest>,
) -> ApiResult<(StatusCode, Json<MemberPaired>)> {
    let failures = format!(
        "pairfail:{}",
        crate::listen::address_key(state.config.client_ip(addr.ip(), &headers))
    );
    if let Err(limited) = state
        .limiter
        .allowed(&failures, crate::throttle::AUTH_FAILURES_PER_MINUTE)
    {
        let (pool, code) = (state.pool.clone(), request.code.clone());
        if !blocking(move || store::pairing_code_is_live(&pool, &code)).await? {
            return Err(limited.into());
        }
    }
    let pool = state.pool.clone();
    let paired = blocking(move || store::pair_member(&pool, &request.code, &request.member_key)).await;
    if paired.is_err() {
        state.limiter.failed(&failures);
    }
    let (token, member_state) = paired?;
    Ok((
        StatusCode::CREATED,
        Json(MemberPaired {
            token,
            state: member_state,
        }),
    ))
}

pub async fn member_state(State(state): State<AppState>, member: Member) -> ApiResult<Json<MemberState>> {
    let pool = state.pool.clone();
    Ok(Json(blocking(move || store::member_state(&pool, &member.pair)).await?))
}

pub async fn member_send(
    State(state): State<AppState>,
    member: Member,
    JsonBody(message): JsonBody<SealedMessage>,
) -> ApiResult<(StatusCode, Json<Sent>)> {
    let pool = state.pool.clone();
    let sent = blocking(move || store::send(&pool, member.zone, &member.pair, Way::ToManager, &message)).await?;
    Ok((StatusCode::CREATED, Json(sent)))
}

pub async fn member_inbox(State(state): State<AppState>, member: Member) -> ApiResult<Json<Inbox>> {
    let pool = state.pool.clone();
    let Pair { manager_id, member_id } = member.pair;
    Ok(Json(
        blocking(move || store::inbox(&pool, &manager_id, Some(&member_id), Way::ToMember)).await?,
    ))
}

pub async fn member_acks(
    State(state): State<AppState>,
    member: Member,
    JsonBody(request): JsonBody<Acks>,
) -> ApiResult<Json<Acked>> {
    let pool = state.pool.clone();
    let Pair { manager_id, member_id } = member.pair;
    let deleted =
        blocking(move || store::acknowledge(&pool, &manager_id, Some(&member_id), Way::ToMember, &request.acks))
            .await?;
    Ok(Json(Acked { deleted }))
}

/// `POST /me/api/ratings`: `201` for a first rating, `200` for a change. Nothing about the rating
/// is logged: the request log has the route and the status only.
pub async fn member_rate(
    State(state): State<AppState>,
    member: Member,
    JsonBody(request): JsonBody<RatingRequest>,
) -> ApiResult<(StatusCode, Json<Rated>)> {
    let pool = state.pool.clone();
    let (created, rated) = blocking(move || store::rate(&pool, member.zone, &member.pair, &request)).await?;
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(rated)))
}

/// `GET /api/v1/team-quality`: the manager's own team's すっきり度, month by month, as
/// `figures::disclose_team_clarity` allows (a final month, k answers, and nothing that HR's
/// figures beside it would narrow to fewer than k members).
pub async fn team_quality(
    State(state): State<AppState>,
    device: Device,
) -> ApiResult<Json<taiwa_protocol::channel::TeamQuality>> {
    use taiwa_protocol::channel::{TeamMonth, TeamQuality, TeamWithheld};
    let (pool, reports) = (state.pool.clone(), state.reports.clone());
    let answer = blocking(move || {
        let k = store::settings(&pool)?.k;
        let today = chrono::Utc::now().date_naive();
        let to = store::current_month();
        let months = (0..12)
            .filter_map(|back| to.plus(-back))
            .map(|month| {
                let shown = if crate::figures::quality_is_final(month, today) {
                    let teams = store::team_clarity_of(&pool, &reports, month, u64::from(k))?;
                    teams
                        .get(&device.employee_id)
                        .copied()
                        .unwrap_or(Err(TeamWithheld::FewerThanK))
                } else {
                    Err(TeamWithheld::NotFinal)
                };
                Ok(TeamMonth {
                    month,
                    average: shown.ok().map(|(average, _)| average),
                    raters: shown.ok().map(|(_, raters)| raters),
                    withheld: shown.err(),
                    final_from: crate::figures::quality_final_day(month)
                        .map(|d| d.to_string())
                        .unwrap_or_default(),
                })
            })
            .collect::<Result<Vec<_>, crate::Error>>()?;
        Ok(TeamQuality { k, months })
    })
    .await?;
    Ok(Json(answer))
}
