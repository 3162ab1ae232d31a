"""The peer of `npm run bench -- twin`: the same network as Twin's (an LSTM over windows of feature
rows, then a linear layer, sigmoid gates, Adam, mean squared error) trained in PyTorch on one
thread, on the very windows Twin trained on. Prints one JSON line with the seconds it took."""
import json
import sys
import time

import numpy as np
import torch

args = json.loads(sys.argv[1])
torch.set_num_threads(1)
torch.manual_seed(1)
n, window, inputs, outputs = args["windows"], args["window"], args["inputs"], args["outputs"]
x = torch.from_numpy(np.fromfile(args["x"], dtype=np.float32).reshape(n, window, inputs))
y = torch.from_numpy(np.fromfile(args["y"], dtype=np.float32).reshape(n, outputs))


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = torch.nn.LSTM(inputs, args["units"], batch_first=True)
        self.dense = torch.nn.Linear(args["units"], outputs)

    def forward(self, batch):
        _, (h, _) = self.lstm(batch)
        return self.dense(h[-1])


net = Net()
optimizer = torch.optim.Adam(net.parameters(), lr=args["learningRate"])
loss_fn = torch.nn.MSELoss()
batch = args["batchSize"]
train = args["train"]
started = time.perf_counter()
for epoch in range(args["epochs"]):
    order = torch.randperm(train)
    for i in range(0, train, batch):
        idx = order[i : i + batch]
        optimizer.zero_grad()
        loss = loss_fn(net(x[idx]), y[idx])
        loss.backward()
        optimizer.step()
    # Validation each epoch, as Twin does (its early stopping needs it).
    with torch.no_grad():
        validation = float(loss_fn(net(x[train:]), y[train:]))
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "loss": float(loss), "validationLoss": validation, "torch": torch.__version__, "threads": torch.get_num_threads()}))
