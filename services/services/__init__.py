"""The services app's use cases, one module per noun: catalogue, uploads, applications, workflow
(staff steps), approval (秒批), results. ``steps`` is the state machine they share."""
