# Reinforcement learning with RLlib: PPO learns CartPole, its learner on
# a GPU and its environment runners on the cluster CPUs.
import ray
from ray.rllib.algorithms.ppo import PPOConfig

ray.init()
config = (
    PPOConfig()
    .environment("CartPole-v1")
    .env_runners(num_env_runners=4)
    .learners(num_learners=1, num_gpus_per_learner=1)
)
algo = config.build_algo()
for i in range(20):
    result = algo.train()
    print("iteration", i, "mean return", result["env_runners"]["episode_return_mean"])
