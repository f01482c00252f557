"""The Information and KL page's panels, one module each: information of an event, entropy, the KL of two
Gaussians both ways, the selected model's KL to the prior, and Bayes' rule. common.py holds what they share."""
