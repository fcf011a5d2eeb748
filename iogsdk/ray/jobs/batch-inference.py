# Batch inference with Ray Data: a model on each GPU scores a dataset in
# batches, as many copies of it at once as the cluster has GPUs.
import ray

ray.init()
gpus = max(1, int(ray.cluster_resources().get("GPU", 0)))


class Model:
    def __init__(self):
        import torch

        self.device = "cuda" if torch.cuda.is_available() else "cpu"
        self.net = torch.nn.Linear(1, 1).to(self.device)

    def __call__(self, batch):
        import torch

        x = torch.tensor(batch["id"], dtype=torch.float32, device=self.device).unsqueeze(1)
        with torch.no_grad():
            batch["score"] = self.net(x).squeeze(1).cpu().numpy()
        return batch


scored = ray.data.range(100_000).map_batches(Model, concurrency=gpus, num_gpus=1, batch_size=1024)
print("scored", scored.count(), "rows on", gpus, "GPUs")
