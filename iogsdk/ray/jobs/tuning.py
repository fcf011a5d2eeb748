# Hyper-parameter tuning with Ray Tune: trials of a small model, one GPU
# each and as many at once as the cluster has GPUs, the worst stopped
# early by ASHA.
import ray
from ray import tune
from ray.tune.schedulers import ASHAScheduler


def trial(config):
    import torch

    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = torch.nn.Linear(8, 1).to(device)
    opt = torch.optim.SGD(model.parameters(), lr=config["lr"], momentum=config["momentum"])
    for step in range(50):
        x = torch.randn(256, 8, device=device)
        loss = ((model(x) - x.sum(dim=1, keepdim=True)) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        tune.report({"loss": loss.item(), "step": step})


ray.init()
tuner = tune.Tuner(
    tune.with_resources(trial, {"gpu": 1}),
    param_space={"lr": tune.loguniform(1e-4, 1e-1), "momentum": tune.uniform(0.0, 0.99)},
    tune_config=tune.TuneConfig(metric="loss", mode="min", num_samples=32, scheduler=ASHAScheduler(max_t=50)),
)
best = tuner.fit().get_best_result()
print("best", best.config, "loss", best.metrics["loss"])
