"""`bridge report`: monthly support performance from what the store recorded, judged by rules.yaml."""
