print("mnist-shell")
