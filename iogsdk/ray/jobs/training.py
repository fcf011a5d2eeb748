# Parallel training with Ray Train: one PyTorch worker on each GPU,
# gradients averaged across them by distributed data parallelism.
import ray
import ray.train
from ray.train import ScalingConfig
from ray.train.torch import TorchTrainer, prepare_model


def train(config):
    import torch

    model = prepare_model(torch.nn.Linear(8, 1))
    opt = torch.optim.SGD(model.parameters(), lr=config["lr"])
    device = ray.train.torch.get_device()
    for epoch in range(config["epochs"]):
        x = torch.randn(256, 8, device=device)
        loss = ((model(x) - x.sum(dim=1, keepdim=True)) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        ray.train.report({"epoch": epoch, "loss": loss.item()})


ray.init()
gpus = max(1, int(ray.cluster_resources().get("GPU", 0)))
trainer = TorchTrainer(
    train,
    train_loop_config={"lr": 0.01, "epochs": 20},
    scaling_config=ScalingConfig(num_workers=gpus, use_gpu=True),
)
print("final loss", trainer.fit().metrics["loss"])
