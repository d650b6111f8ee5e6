package org.parley.server.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.ZonedDateTime;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;
import org.parley.protocol.ApiException;
import org.parley.protocol.Model;
import org.parley.protocol.Requests.PushRegistration;

/** What a push says and when none is sent: do-not-disturb windows, previews, registration checks. */
class PushPolicyTest {

    private static long at(String zone, int hour, int minute) {
        return ZonedDateTime.of(2026, 11, 26, hour, minute, 0, 0, ZoneId.of(zone)).toInstant().toEpochMilli();
    }

    @Test
    void doNotDisturbWindowsInTheUsersTimeZone() {
        var night = new Model.Dnd("22:00", "07:00", "Europe/Berlin"); // spans midnight
        assertThat(PushService.inDnd(night, at("Europe/Berlin", 23, 30))).isTrue();
        assertThat(PushService.inDnd(night, at("Europe/Berlin", 6, 59))).isTrue();
        assertThat(PushService.inDnd(night, at("Europe/Berlin", 7, 0))).as("the end is not inside").isFalse();
        assertThat(PushService.inDnd(night, at("Europe/Berlin", 12, 0))).isFalse();
        assertThat(PushService.inDnd(night, at("UTC", 22, 30))).as("22:30 UTC is 23:30 in Berlin").isTrue();
        var lunch = new Model.Dnd("12:00", "13:00", "UTC");
        assertThat(PushService.inDnd(lunch, at("UTC", 12, 0))).isTrue();
        assertThat(PushService.inDnd(lunch, at("UTC", 13, 0))).isFalse();
        assertThat(PushService.inDnd(null, at("UTC", 12, 0))).isFalse();
    }

    @Test
    void previewsNameTheMediaAndStayShort() {
        var photo = new Model.Media("m", "image", "image/jpeg", 1, "x", null, 1, 1, null, null, null, 0);
        assertThat(PushService.preview(message("", photo))).isEqualTo("📷 Photo");
        assertThat(PushService.preview(message("at the beach", photo))).isEqualTo("📷 Photo at the beach");
        var file = new Model.Media("m", "file", "application/pdf", 1, "x", "plan.pdf", null, null, null, null, null, 0);
        assertThat(PushService.preview(message(null, file))).isEqualTo("📄 plan.pdf");
        String preview = PushService.preview(message("x".repeat(500), null));
        assertThat(preview).hasSize(200).endsWith("…");
    }

    private static Model.Message message(String text, Model.Media media) {
        return new Model.Message("id", "chat", 1, "u", "c", media == null ? "text" : media.kind(), text, null, null, 0, null, null, null, media);
    }

    @Test
    void registrationsAreCheckedBeforeAnythingIsStored() {
        String p256dh = "B" + "A".repeat(86), auth = "A".repeat(22);
        new PushRegistration("webPush", "https://fcm.googleapis.com/fcm/send/abc", p256dh, auth, null, null);
        new PushRegistration("fcm", null, null, null, "dGVzdA:APA91b-token_1", null);
        new PushRegistration("apns", null, null, null, "a".repeat(64), "org.parley.app");
        assertThatThrownBy(() -> new PushRegistration("webPush", "https://x", p256dh, null, null, null)).isInstanceOf(ApiException.class);
        assertThatThrownBy(() -> new PushRegistration("webPush", "https://x", p256dh, auth, "tok", null)).isInstanceOf(ApiException.class);
        assertThatThrownBy(() -> new PushRegistration("apns", null, null, null, "a".repeat(64), null)).isInstanceOf(ApiException.class);
        assertThatThrownBy(() -> new PushRegistration("fcm", null, null, null, "has spaces", null)).isInstanceOf(ApiException.class);
        assertThatThrownBy(() -> new PushRegistration("sms", null, null, null, null, null)).isInstanceOf(ApiException.class);
    }
}
