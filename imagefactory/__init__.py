"""Image Factory domain: request models, version policy, compute gateway. Free of Functions imports."""
