using Microsoft.IdentityModel.Tokens;
using PointRend.Contracts;
using PointRend.Contracts.V1;

namespace PointRend.Gateway.Security;

/// <summary>
/// Every refusal of authentication, authorization and per-caller limits, built in one place. Messages say what to
/// send or change and name the option key; they never echo a key or a token.
/// </summary>
internal static class SecurityErrors
{
    /// <summary>A concurrency refusal has no exact retry time: one of the caller's calls has to end first.</summary>
    public static readonly TimeSpan ConcurrencyRetry = TimeSpan.FromMilliseconds(500);

    public static SegmentationException Missing(bool jwt) => new(
        SegmentationErrorKind.Unauthenticated, ErrorReason.CredentialsMissing,
        jwt
            ? $"this server requires credentials ({AuthOptions.SectionName}:{nameof(AuthOptions.Enabled)}): send an API key in the x-api-key metadata or a token as 'authorization: Bearer <JWT>'"
            : $"this server requires credentials ({AuthOptions.SectionName}:{nameof(AuthOptions.Enabled)}): send an API key in the x-api-key metadata");

    public static SegmentationException UnknownKey() => new(
        SegmentationErrorKind.Unauthenticated, ErrorReason.CredentialsInvalid,
        $"the API key in x-api-key is not known to this server (its SHA-256 is not in {AuthOptions.SectionName}:{nameof(AuthOptions.ApiKeys)} or {nameof(AuthOptions.ApiKeysFile)})");

    public static SegmentationException BearerNotAccepted() => new(
        SegmentationErrorKind.Unauthenticated, ErrorReason.CredentialsInvalid,
        $"this server accepts no bearer tokens ({AuthOptions.SectionName}:{nameof(AuthOptions.Jwt)} is not configured); send an API key in the x-api-key metadata");

    public static SegmentationException NoName(string claim) => new(
        SegmentationErrorKind.Unauthenticated, ErrorReason.CredentialsInvalid,
        $"the bearer token has no '{claim}' claim naming the caller ({AuthOptions.SectionName}:Jwt:{nameof(JwtOptions.NameClaim)})");

    public static SegmentationException InvalidToken(Exception? failure, JwtOptions jwt) => new(
        SegmentationErrorKind.Unauthenticated, ErrorReason.CredentialsInvalid, "the bearer token was refused: " + failure switch
        {
            SecurityTokenExpiredException expired => $"it expired at {expired.Expires:yyyy-MM-dd HH:mm:ss}Z; get a new token",
            SecurityTokenNotYetValidException early => $"it is not valid before {early.NotBefore:yyyy-MM-dd HH:mm:ss}Z",
            SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException =>
                $"its signature does not verify with this server's keys ({AuthOptions.SectionName}:Jwt:{nameof(JwtOptions.SigningKey)}, {nameof(JwtOptions.PublicKeyFile)} or {nameof(JwtOptions.Authority)})",
            SecurityTokenInvalidAudienceException => $"its audience is not '{jwt.Audience}' ({AuthOptions.SectionName}:Jwt:{nameof(JwtOptions.Audience)})",
            SecurityTokenInvalidIssuerException => $"its issuer is not the one this server accepts ({AuthOptions.SectionName}:Jwt:{nameof(JwtOptions.Issuer)} or {nameof(JwtOptions.Authority)})",
            SecurityTokenNoExpirationException => "it has no expiry (exp); tokens must expire",
            SecurityTokenMalformedException or ArgumentException => "it is not a well-formed JWT",
            _ => "it did not validate (the server's log has the reason)",
        },
        inner: failure);

    public static SegmentationException NotAllowed(CallerIdentity caller, string method) => new(
        SegmentationErrorKind.PermissionDenied, ErrorReason.MethodNotAllowed,
        $"caller '{caller.Name}' may not call {method}; its credentials allow " +
        (caller.Methods.Count == 0 ? "no method" : string.Join(", ", caller.Methods.Order(StringComparer.Ordinal))) +
        $" (API key: {AuthOptions.SectionName}:{nameof(AuthOptions.ApiKeys)}:N:{nameof(ApiKeyEntry.Methods)}; token: its scope claim)");

    public static SegmentationException RateLimited(string caller, CallerLimitsOptions limits, TimeSpan retryAfter) => new(
        SegmentationErrorKind.ResourceExhausted, ErrorReason.RateLimit,
        $"caller '{caller}' is over its call rate ({limits.CallsPerSecond} calls per second, bursts of {limits.EffectiveBurst}: " +
        $"{CallerLimitsOptions.SectionName}:{nameof(CallerLimitsOptions.CallsPerSecond)}, {nameof(CallerLimitsOptions.Burst)}); retry after {retryAfter.TotalSeconds:0.###} s",
        retryAfter: retryAfter);

    public static SegmentationException TooManyCalls(string caller, CallerLimitsOptions limits) => new(
        SegmentationErrorKind.ResourceExhausted, ErrorReason.ConcurrencyLimit,
        $"caller '{caller}' already has {limits.MaxConcurrentCalls} calls open ({CallerLimitsOptions.SectionName}:{nameof(CallerLimitsOptions.MaxConcurrentCalls)}); " +
        "retry when one of them ends",
        retryAfter: ConcurrencyRetry);
}
