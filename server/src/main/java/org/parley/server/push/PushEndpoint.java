package org.parley.server.push;

/**
 * Where one device is woken: a Web Push subscription ({@code endpoint}, {@code p256dh},
 * {@code auth}), an FCM registration token ({@code token}) or an APNs device token
 * ({@code token}, {@code topic} = the app's bundle id). Fields of other kinds are null.
 */
public record PushEndpoint(String deviceId, String userId, Kind kind, String endpoint, String p256dh, String auth, String token,
        String topic) {

    public enum Kind { webPush, fcm, apns }
}
