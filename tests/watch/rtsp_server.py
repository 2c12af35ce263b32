"""A small RTSP server for the live-source tests, run as its own process.

Runs under Debian's ``/usr/bin/python3`` (GStreamer's RTSP server through
python3-gi; installed by ``.ci/setup-system``), serves a moving test pattern
as RTP/JPEG at ``rtsp://127.0.0.1:PORT/cam`` and prints ``PORT`` on its first
line once it listens. Stop it by terminating the process.

    /usr/bin/python3 rtsp_server.py PORT WIDTH HEIGHT FPS [PATTERN]
"""

import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def main() -> None:
    port, width, height, fps = (int(a) for a in sys.argv[1:5])
    pattern = sys.argv[5] if len(sys.argv) > 5 else "ball"
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(port))
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(
        f"( videotestsrc is-live=true pattern={pattern} "
        f"! video/x-raw,format=I420,width={width},height={height},framerate={fps}/1 "
        "! jpegenc quality=85 ! rtpjpegpay name=pay0 pt=26 )")
    factory.set_shared(True)
    server.get_mount_points().add_factory("/cam", factory)
    if server.attach(None) == 0:
        sys.exit(f"cannot listen on 127.0.0.1:{port}")
    print(server.get_bound_port(), flush=True)
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
