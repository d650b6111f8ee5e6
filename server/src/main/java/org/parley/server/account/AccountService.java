package org.parley.server.account;

import java.util.List;
import org.parley.protocol.ApiException;
import org.parley.protocol.ErrorCode;
import org.parley.protocol.Model.Device;
import org.parley.protocol.Model.Devices;
import org.parley.protocol.Model.User;
import org.parley.protocol.Model.UserSummary;
import org.parley.protocol.Requests.DeviceRename;
import org.parley.protocol.Requests.ProfileUpdate;
import org.parley.protocol.Validate;
import org.parley.server.auth.Principal;
import org.parley.server.ratelimit.RateLimiter;

/** Profiles, look-ups and the device list. */
public final class AccountService {
    private final AccountStore accounts;
    private final DeviceStore devices;
    private final RateLimiter limiter;
    private final RateLimiter.Policy lookups;

    public AccountService(AccountStore accounts, DeviceStore devices, RateLimiter limiter, RateLimiter.Policy lookups) {
        this.accounts = accounts;
        this.devices = devices;
        this.limiter = limiter;
        this.lookups = lookups;
    }

    public User me(Principal p) {
        return accounts.byId(p.userId()).orElseThrow(() -> new ApiException(ErrorCode.UNAUTHENTICATED, "user no longer exists"));
    }

    public User updateProfile(Principal p, ProfileUpdate update) {
        return accounts.updateProfile(p.userId(), update.displayName(), update.about())
                .orElseThrow(() -> new ApiException(ErrorCode.UNAUTHENTICATED, "user no longer exists"));
    }

    /** Who has this number; limited per user so the directory cannot be walked. */
    public UserSummary lookUpByPhone(Principal p, String phone) {
        limiter.check(lookups, p.userId());
        // An unescaped '+' in a query string arrives as a space.
        if (phone.startsWith(" ")) phone = "+" + phone.substring(1);
        Validate.phone(phone);
        return accounts.byPhone(phone).map(u -> new UserSummary(u.userId(), u.displayName()))
                .orElseThrow(() -> new ApiException(ErrorCode.USER_NOT_FOUND, "no user has this phone number"));
    }

    public UserSummary lookUpById(String userId) {
        Validate.id("userId", userId);
        return accounts.byId(userId).map(u -> new UserSummary(u.userId(), u.displayName()))
                .orElseThrow(() -> new ApiException(ErrorCode.USER_NOT_FOUND, "no such user"));
    }

    public Devices devices(Principal p) {
        List<Device> list = devices.ofUser(p.userId()).stream()
                .map(d -> new Device(d.deviceId(), d.name(), d.createdAt(), d.lastSeenAt(), d.deviceId().equals(p.deviceId())))
                .toList();
        return new Devices(list);
    }

    public void renameDevice(Principal p, String deviceId, DeviceRename rename) {
        Validate.id("deviceId", deviceId);
        if (!devices.rename(p.userId(), deviceId, rename.name())) {
            throw new ApiException(ErrorCode.DEVICE_NOT_FOUND, "no such device");
        }
    }

    public org.parley.protocol.Model.Settings settings(Principal p) {
        return accounts.settings(p.userId()).orElseThrow(() -> new ApiException(ErrorCode.UNAUTHENTICATED, "user no longer exists"));
    }

    public org.parley.protocol.Model.Settings putSettings(Principal p, org.parley.protocol.Requests.SettingsUpdate update) {
        var settings = new org.parley.protocol.Model.Settings(update.lastSeen(), update.notificationPreviews(), update.dnd());
        if (!accounts.putSettings(p.userId(), settings)) throw new ApiException(ErrorCode.UNAUTHENTICATED, "user no longer exists");
        return settings;
    }
}
