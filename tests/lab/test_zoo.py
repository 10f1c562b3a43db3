"""lab.zoo: torchvision's detection architectures, built offline with random weights, checkpoints
read safely, and the raw-mode pipeline equal to torchvision's own post-processing.

No test may touch the network: `no_network` makes any connection attempt fail the test."""

from __future__ import annotations

import io
import pickle
import urllib.error
import urllib.request

import numpy as np
import pytest
import torch

from lab import zoo
from lab.detection import load_detector, postprocess
from lab.images import downscale, sample_image

SMALL = 160  # the R-CNNs, RetinaNet and FCOS resize to this: fast on a CPU


pytestmark = pytest.mark.usefixtures("no_network")


@pytest.fixture(scope="module")
def photo():
    return downscale(sample_image("astronaut"), 160)


@pytest.mark.parametrize("model", zoo.ZOO, ids=[m.builder for m in zoo.ZOO])
def test_every_architecture_builds_offline_and_gives_valid_detections(model, photo) -> None:
    torch.manual_seed(0)
    network = zoo.build(model, min_size=SMALL)
    categories = model.meta()["categories"]
    raw, timing = zoo.run(network, photo, categories)
    assert len(raw) <= (300 if model.output == "boxes" else 100)
    assert np.all(raw.scores >= zoo.RAW_SCORE) and set(raw.labels) <= set(categories)
    assert np.all(raw.boxes[:, 2] <= photo.shape[1] + 1e-3)
    if model.output == "masks":
        assert raw.masks is not None and raw.masks.shape[1:] == photo.shape[:2]
    if model.output == "keypoints":
        assert raw.keypoints is not None and raw.keypoints.shape[1:] == (17, 3)
    assert timing.inference > 0
    final = postprocess(raw, 0.05, 0.5, None, 100)
    assert len(final) <= len(raw)


def test_raw_mode_plus_lab_nms_equals_torchvisions_own_postprocessing(photo) -> None:
    """The page's pipeline (raw boxes, then score threshold, class-aware NMS, top 100) gives
    exactly what the same network gives with torchvision's defaults."""
    model = zoo.BY_NAME["Faster R-CNN MobileNetV3-Large 320 FPN"]
    torch.manual_seed(1)
    network = zoo.build(model)
    state = network.state_dict()
    raw, _ = zoo.run(network, photo, model.meta()["categories"])
    from torchvision.models import detection

    reference = detection.fasterrcnn_mobilenet_v3_large_320_fpn(
        weights=None, weights_backbone=None, num_classes=91, box_score_thresh=0.05
    ).eval()
    reference.load_state_dict(state)
    tensor = torch.from_numpy(photo.copy()).permute(2, 0, 1).float() / 255
    with torch.inference_mode():
        expected = reference([tensor])[0]
    ours = postprocess(raw, 0.05, 0.5, None, 100)
    assert len(ours) == len(expected["boxes"])
    np.testing.assert_allclose(np.sort(ours.scores), np.sort(expected["scores"].numpy()), atol=1e-6)


def test_a_saved_checkpoint_loads_and_gives_the_same_outputs(tmp_path, photo) -> None:
    model = zoo.BY_NAME["SSDlite320 MobileNetV3-Large"]
    torch.manual_seed(2)
    network = zoo.build(model, num_classes=2)
    path = tmp_path / "pedestrians.pth"
    torch.save(network.state_dict(), path)
    detector = load_detector(
        model.name, weights_path=path, num_classes=2, class_names=["bg", "pedestrian"]
    )
    ours, _ = detector.raw(photo)
    theirs, _ = zoo.run(network, photo, ["bg", "pedestrian"])
    np.testing.assert_array_equal(ours.boxes, theirs.boxes)
    np.testing.assert_array_equal(ours.scores, theirs.scores)
    assert set(ours.labels) <= {"pedestrian"} and detector.spec.classes == ["pedestrian"]


def test_a_training_checkpoint_with_the_state_dict_inside_is_read(tmp_path) -> None:
    state = {"layer.weight": torch.ones(2, 2)}
    buffer = io.BytesIO()
    torch.save({"epoch": 3, "model": state}, buffer)
    assert list(zoo.read_checkpoint(buffer.getvalue())) == ["layer.weight"]


class Payload:
    def __reduce__(self):
        return (print, ("this code ran",))


@pytest.mark.parametrize(
    "data, words",
    [
        (pickle.dumps({"weight": Payload()}), "refused"),  # a pickle that would run code
        (b"", "empty"),
        (b"certainly not a checkpoint", "not a PyTorch checkpoint"),
    ],
)
def test_bad_checkpoints_get_a_message_and_nothing_runs(data, words, capsys) -> None:
    with pytest.raises(zoo.CheckpointError, match=words):
        zoo.read_checkpoint(data)
    assert "this code ran" not in capsys.readouterr().out


def test_a_truncated_checkpoint_and_one_holding_no_tensors() -> None:
    buffer = io.BytesIO()
    torch.save({"w": torch.zeros(100)}, buffer)
    with pytest.raises(zoo.CheckpointError, match="truncated"):
        zoo.read_checkpoint(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    buffer = io.BytesIO()
    torch.save({"epoch": 3}, buffer)
    with pytest.raises(zoo.CheckpointError, match="no state_dict"):
        zoo.read_checkpoint(buffer.getvalue())


def test_a_checkpoint_of_another_architecture_or_class_count_is_named(tmp_path) -> None:
    torch.manual_seed(3)
    state = zoo.build(zoo.BY_NAME["SSDlite320 MobileNetV3-Large"], num_classes=2).state_dict()
    with pytest.raises(zoo.CheckpointError, match="not a SSD300 VGG16 with 2 classes"):
        zoo.load(zoo.BY_NAME["SSD300 VGG16"], state_dict=state, num_classes=2)
    with pytest.raises(zoo.CheckpointError, match="with 5 classes.*background included"):
        zoo.load(zoo.BY_NAME["SSDlite320 MobileNetV3-Large"], state_dict=state, num_classes=5)


def test_missing_weights_name_the_file_the_url_and_the_folder(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.setattr(torch.hub, "_hub_dir", None)
    model = zoo.BY_NAME["Faster R-CNN MobileNetV3-Large FPN"]
    assert not zoo.weights_available(model)

    def offline(*args, **kwargs):  # what urlopen does on a machine without a network
        raise urllib.error.URLError("Temporary failure in name resolution")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(zoo.WeightsMissing) as raised:
        zoo.download_weights(model)
    message = str(raised.value)
    meta = model.meta()
    assert meta["file"] in message and meta["url"] in message and str(tmp_path) in message
    with pytest.raises(zoo.WeightsMissing):
        load_detector(model.name)


def test_device_choice() -> None:
    assert zoo.pick_device("auto") in ("cpu", "cuda", "mps")
    assert zoo.pick_device("cpu") == "cpu" and zoo.device_name("cpu") == "CPU"
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA"):
            zoo.pick_device("cuda")
