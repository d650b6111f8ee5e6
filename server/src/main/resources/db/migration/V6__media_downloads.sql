-- Which device downloaded which media whole (for media.deleteAfterDownload).
CREATE TABLE media_downloads (
    media_id      TEXT NOT NULL,
    device_id     TEXT NOT NULL,
    downloaded_at BIGINT NOT NULL,
    PRIMARY KEY (media_id, device_id)
);
