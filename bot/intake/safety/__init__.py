"""What keeps the intake from being turned against anyone or stopped by one mail: `caps` (how
many replies may go out, per sender, recipient, domain and hour), `bounces` (what automatic
mail says about mail we sent: bounces, complaints, loops) and `quarantine` (a mail is set
aside only on evidence; its sender gets a holding reply), with `holders` (which process
reads a mail or holds a claim, and whether it still runs). Part of the intake floor."""
