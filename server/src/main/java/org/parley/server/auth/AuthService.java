package org.parley.server.auth;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.parley.protocol.ApiException;
import org.parley.protocol.ErrorCode;
import org.parley.protocol.Model.CodeSent;
import org.parley.protocol.Model.TokenIssued;
import org.parley.protocol.Model.User;
import org.parley.protocol.Requests.CodeRequest;
import org.parley.protocol.Requests.TokenRequest;
import org.parley.server.account.AccountStore;
import org.parley.server.account.DeviceStore;
import org.parley.server.account.DeviceStore.DeviceRecord;
import org.parley.server.app.Ids;
import org.parley.server.ratelimit.RateLimiter;

/** Sign-in by phone number and one-time code; bearer tokens to principals. */
public final class AuthService {

    /** The knobs of sign-in; see docs/operations.md. */
    public record Settings(boolean devCodes, Duration codeTtl, int codeMaxAttempts, RateLimiter.Policy codesPerPhone,
            RateLimiter.Policy codesPerIp, RateLimiter.Policy signInsPerIp) {}

    private final Settings settings;
    private final CodeStore codes;
    private final CodeSender sender;
    private final AccountStore accounts;
    private final DeviceStore devices;
    private final RateLimiter limiter;
    private final Ids ids;
    private final Clock clock;
    private final Map<String, Principal> byTokenHash = new ConcurrentHashMap<>();
    /** Devices signed out lately, newest last; old ones are in the store as revoked anyway. */
    private final Map<String, Boolean> signedOut = new java.util.LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > 100_000;
        }
    };

    public AuthService(Settings settings, CodeStore codes, CodeSender sender, AccountStore accounts, DeviceStore devices,
            RateLimiter limiter, Ids ids, Clock clock) {
        this.settings = settings;
        this.codes = codes;
        this.sender = sender;
        this.accounts = accounts;
        this.devices = devices;
        this.limiter = limiter;
        this.ids = ids;
        this.clock = clock;
    }

    private static String codeHash(String phone, String code) {
        return Tokens.sha256(phone + ':' + code);
    }

    private boolean ipLimited(ClientAddress client) {
        return !(settings.devCodes() && client.loopback());
    }

    public CodeSent requestCode(CodeRequest request, ClientAddress client) {
        if (ipLimited(client)) limiter.check(settings.codesPerIp(), RateLimiter.addressKey(client.ip()));
        limiter.check(settings.codesPerPhone(), request.phone());
        String code = Tokens.newCode();
        codes.put(request.phone(), codeHash(request.phone(), code), clock.millis() + settings.codeTtl().toMillis());
        sender.send(request.phone(), code);
        return new CodeSent(true, settings.devCodes() ? code : null);
    }

    public TokenIssued signIn(TokenRequest request, ClientAddress client) {
        if (ipLimited(client)) limiter.check(settings.signInsPerIp(), RateLimiter.addressKey(client.ip()));
        long now = clock.millis();
        int max = settings.codeMaxAttempts();
        var attempt = codes.takeAttempt(request.phone(), max, now);
        if (attempt.isEmpty()) {
            boolean exhausted = codes.get(request.phone()).filter(p -> p.expiresAt() > now && p.attempts() >= max).isPresent();
            if (exhausted) {
                codes.delete(request.phone());
                throw new ApiException(ErrorCode.CODE_ATTEMPTS_EXCEEDED, "too many wrong codes; request a new one");
            }
            throw new ApiException(ErrorCode.CODE_EXPIRED, "no valid code for this phone; request a new one");
        }
        var pending = attempt.get();
        if (!Tokens.sameHash(pending.codeHash(), codeHash(request.phone(), request.code()))) {
            if (pending.attempts() >= max) {
                codes.delete(request.phone());
                throw new ApiException(ErrorCode.CODE_ATTEMPTS_EXCEEDED, "too many wrong codes; request a new one");
            }
            throw new ApiException(ErrorCode.CODE_INVALID, "wrong code; " + (max - pending.attempts()) + " tries left");
        }
        if (!codes.consume(request.phone(), pending.codeHash())) {
            throw new ApiException(ErrorCode.CODE_EXPIRED, "this code was just used; request a new one");
        }
        User user = accounts.createOrGet(request.phone(), ids.next(), now);
        String token = Tokens.newToken();
        String deviceId = ids.next();
        devices.create(new DeviceRecord(deviceId, user.userId(), request.deviceName(), now, now, null), Tokens.sha256(token));
        return new TokenIssued(token, user.userId(), deviceId);
    }

    /** The principal behind a bearer token, or UNAUTHENTICATED. May read the store. */
    public Principal authenticate(String token) {
        if (token == null || token.isEmpty() || token.length() > 128) {
            throw new ApiException(ErrorCode.UNAUTHENTICATED, "a bearer token is required");
        }
        String hash = Tokens.sha256(token);
        Principal cached = byTokenHash.get(hash);
        if (cached != null) return cached;
        Principal principal = devices.byTokenHash(hash)
                .map(d -> new Principal(d.userId(), d.deviceId()))
                .filter(p -> !isSignedOut(p.deviceId())) // the read may predate a sign-out that just happened
                .orElseThrow(() -> new ApiException(ErrorCode.UNAUTHENTICATED, "unknown or signed-out token"));
        if (byTokenHash.size() > 100_000) byTokenHash.clear();
        byTokenHash.put(hash, principal);
        if (isSignedOut(principal.deviceId())) { // signed out while we were caching it
            byTokenHash.remove(hash);
            throw new ApiException(ErrorCode.UNAUTHENTICATED, "unknown or signed-out token");
        }
        return principal;
    }

    /** Signs a device out: its token stops working at once and {@code onSignedOut} closes its sockets. */
    public void signOut(Principal caller, String deviceId, Consumer<Principal> onSignedOut) {
        org.parley.protocol.Validate.id("deviceId", deviceId);
        if (!devices.revoke(caller.userId(), deviceId, clock.millis())) {
            throw new ApiException(ErrorCode.DEVICE_NOT_FOUND, "no such device");
        }
        forget(deviceId);
        onSignedOut.accept(new Principal(caller.userId(), deviceId));
    }

    /** Drops a signed-out device from the token cache (called on every node). */
    public void forget(String deviceId) {
        synchronized (signedOut) {
            signedOut.put(deviceId, Boolean.TRUE);
        }
        byTokenHash.values().removeIf(p -> p.deviceId().equals(deviceId));
    }

    /** True when the device was signed out since this node started (lets racing requests see it). */
    public boolean isSignedOut(String deviceId) {
        synchronized (signedOut) {
            return signedOut.containsKey(deviceId);
        }
    }
}
