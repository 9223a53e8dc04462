print("gyre-node: not yet")
