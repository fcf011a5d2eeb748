# Model serving with Ray Serve: a replica on each GPU answers HTTP on port
# 8000 of the head, until the rental ends.
import ray
from ray import serve

ray.init()
gpus = max(1, int(ray.cluster_resources().get("GPU", 0)))


@serve.deployment(num_replicas=gpus, ray_actor_options={"num_gpus": 1})
class Echo:
    async def __call__(self, request):
        body = await request.body()
        return {"gpus": ray.get_gpu_ids(), "echo": body.decode()}


serve.start(http_options={"host": "0.0.0.0", "port": 8000})
serve.run(Echo.bind(), blocking=True)
