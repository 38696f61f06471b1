"""How firm a plan is: the cost of reversing each decision, and near-optimal alternatives."""
