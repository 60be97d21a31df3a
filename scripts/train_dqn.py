"""Train a DQN agent (the agent lands with the DQN issue)."""

import sys

if __name__ == "__main__":
    sys.exit("train_dqn.py: the DQN agent is not built yet")
