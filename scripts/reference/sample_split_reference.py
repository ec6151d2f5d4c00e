"""Reference accuracies on the split mnist-shell makes of the 5,000-digit MNIST sample
(data/mnist_5k.csv.gz, label last; within each class every 5th image is test: 4,000 train / 1,000 test).

The end-to-end accuracy tests compare mnist-shell against these numbers. Re-run after changing a recipe:
    python3 -m venv /tmp/kerasenv && /tmp/kerasenv/bin/pip install tensorflow-cpu==2.21.0 keras==3.15.1 scipy
    /tmp/kerasenv/bin/python scripts/reference/sample_split_reference.py [SEEDS]
Prints one RESULT line per recipe with the accuracy of each seed and their mean."""
import gzip, json, os, sys
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

def sample_split():
    with gzip.open(os.path.join(ROOT, "data", "mnist_5k.csv.gz")) as f:
        a = np.loadtxt(f, delimiter=",", dtype=np.int64)
    x, y = a[:, :784].astype(np.uint8), a[:, 784].astype(np.int64)
    seen = np.zeros(10, int); test = np.zeros(len(y), bool)
    for i, label in enumerate(y):
        test[i] = seen[label] % 5 == 4
        seen[label] += 1
    return x[~test], y[~test], x[test], y[test]

def keras_mlp(seed, epochs, xtr, ytr, xte, yte):
    import keras
    from keras import layers
    keras.utils.set_random_seed(seed)
    m = keras.Sequential([keras.Input((784,)), layers.Dense(512, activation="relu"), layers.Dense(512, activation="relu"),
                          layers.Dense(10, activation="softmax")])
    m.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    m.fit(xtr / 255.0, ytr, epochs=epochs, batch_size=128, verbose=0)
    return float(m.evaluate(xte / 255.0, yte, verbose=0)[1])

def lbfgs_sigmoid(seed, iterations, xtr, ytr, xte, yte):
    """The numpy/scipy recipe of ../shared/anchors/np_seed000.py, vectorised."""
    from scipy.optimize import minimize
    rng = np.random.RandomState(seed)
    I, H, K, lam = 784, 100, 10, 0.1
    X = xtr / 255.0; m = len(X); Y = np.eye(K)[ytr]
    Xb = np.hstack([np.ones((m, 1)), X])
    def unpack(p): return p[:H * (I + 1)].reshape(H, I + 1), p[H * (I + 1):].reshape(K, H + 1)
    def cost(p):
        T1, T2 = unpack(p)
        a2 = 1 / (1 + np.exp(-Xb @ T1.T)); a2b = np.hstack([np.ones((m, 1)), a2])
        a3 = 1 / (1 + np.exp(-a2b @ T2.T))
        J = np.sum(-Y * np.log(a3) - (1 - Y) * np.log(1 - a3)) / m + lam / (2 * m) * (np.sum(T1[:, 1:] ** 2) + np.sum(T2[:, 1:] ** 2))
        d3 = a3 - Y; d2 = (d3 @ T2)[:, 1:] * a2 * (1 - a2)
        g1 = d2.T @ Xb / m; g2 = d3.T @ a2b / m
        g1[:, 1:] += lam / m * T1[:, 1:]; g2[:, 1:] += lam / m * T2[:, 1:]
        return J, np.concatenate([g1.ravel(), g2.ravel()])
    p0 = np.concatenate([rng.rand(H, I + 1).ravel(), rng.rand(K, H + 1).ravel()]) * 0.3 - 0.15
    p = minimize(cost, p0, jac=True, method="L-BFGS-B", options={"maxiter": iterations}).x
    T1, T2 = unpack(p)
    Xt = np.hstack([np.ones((len(xte), 1)), xte / 255.0])
    a2 = np.hstack([np.ones((len(xte), 1)), 1 / (1 + np.exp(-Xt @ T1.T))])
    return float(np.mean(np.argmax(a2 @ T2.T, 1) == yte))

if __name__ == "__main__":
    seeds = [int(s) for s in sys.argv[1:]] or [0, 1, 2]
    xtr, ytr, xte, yte = sample_split()
    xtr = xtr.reshape(len(xtr), -1).astype(np.float32); xte = xte.reshape(len(xte), -1).astype(np.float32)
    for name, fn, n in [("colab-mlp 5 epochs (Keras)", keras_mlp, 5), ("lbfgs-sigmoid 70 iterations (numpy/scipy)", lbfgs_sigmoid, 70)]:
        accs = [fn(s, n, xtr, ytr, xte, yte) for s in seeds]
        print("RESULT " + json.dumps(dict(recipe=name, seeds=seeds, test_acc=accs, mean=float(np.mean(accs)))), flush=True)
