// Voice notes with MediaRecorder: Opus in Ogg or WebM, whichever the browser records.
const TYPES = ['audio/ogg;codecs=opus', 'audio/webm;codecs=opus', 'audio/webm', 'audio/ogg', 'audio/mp4'];

export class VoiceRecorder {
  static supported() {
    return !!(navigator.mediaDevices?.getUserMedia && window.MediaRecorder);
  }

  async start() {
    this.stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    const mimeType = TYPES.find((t) => MediaRecorder.isTypeSupported(t));
    this.recorder = new MediaRecorder(this.stream, mimeType ? { mimeType } : undefined);
    this.chunks = [];
    this.recorder.ondataavailable = (e) => e.data.size && this.chunks.push(e.data);
    this.recorder.start(250);
    this.startedAt = Date.now();
  }

  get elapsedMs() {
    return this.startedAt ? Date.now() - this.startedAt : 0;
  }

  /** Stops and returns the recording as a Blob with its container type (no codec parameters). */
  stop() {
    return new Promise((resolve) => {
      const rec = this.recorder;
      const type = (rec?.mimeType || 'audio/webm').split(';')[0];
      const done = () => {
        this.release();
        resolve(new Blob(this.chunks || [], { type }));
      };
      // Already stopped (the track ended, the device was unplugged): keep what was recorded.
      if (!rec || rec.state === 'inactive') {
        done();
        return;
      }
      rec.onstop = done;
      try {
        rec.stop();
      } catch {
        done();
      }
    });
  }

  cancel() {
    if (this.recorder && this.recorder.state !== 'inactive') {
      this.recorder.onstop = null;
      this.recorder.stop();
    }
    this.release();
  }

  release() {
    this.stream?.getTracks().forEach((t) => t.stop());
    this.stream = null;
  }
}
