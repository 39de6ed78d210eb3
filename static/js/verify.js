// Verification console: decode a QR from the device camera with jsQR (served locally) and submit it.
(function () {
  "use strict";
  var start = document.getElementById("scan-start");
  if (!start) return;
  var video = document.getElementById("scan-video");
  var canvas = document.getElementById("scan-canvas");
  var status = document.getElementById("scan-status");
  var form = document.getElementById("verify-form");
  var field = document.getElementById("payload");

  function stop(stream) { stream.getTracks().forEach(function (track) { track.stop(); }); video.hidden = true; }

  start.addEventListener("click", function () {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      status.textContent = start.dataset.unsupported || "此设备不支持摄像头扫码，请粘贴亮证码。";
      return;
    }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      video.srcObject = stream; video.hidden = false; video.play();
      var context = canvas.getContext("2d", { willReadFrequently: true });
      (function tick() {
        if (video.readyState === video.HAVE_ENOUGH_DATA) {
          canvas.width = video.videoWidth; canvas.height = video.videoHeight;
          context.drawImage(video, 0, 0, canvas.width, canvas.height);
          var image = context.getImageData(0, 0, canvas.width, canvas.height);
          var code = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
          if (code && code.data) { stop(stream); field.value = code.data; form.submit(); return; }
        }
        requestAnimationFrame(tick);
      })();
    }).catch(function (error) { status.textContent = String(error); });
  });
})();
