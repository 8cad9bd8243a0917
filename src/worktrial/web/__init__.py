"""The worktrial platform: a Django project inside the package.

Apps own a bounded area each (models, actions, access helpers, views, API router, templates):

- ``accounts``: organizations, members and their roles, API tokens;
- ``audit``: the append-only log of every view and change of candidate data;
- ``trials``: trials, checkpoints, invitations, candidacies and their comms (questions, progress
  updates, checkpoint feedback);
- ``submissions``: uploaded git bundles, verified and unpacked into bare repositories;
- ``jobs``: evaluation rows with leases and the Celery tasks that run the engine;
- ``reviews``: reviewer assignments, blind reviews and hiring decisions.

Writes go through each app's ``actions`` module (``do_<verb>_<noun>``); permission-checked reads
go through its ``access`` module (``access_<noun>(user, id)``), which raises ``Http404`` for
objects the user may not see. The engine (everything outside ``worktrial.web``) never imports
Django.
"""
