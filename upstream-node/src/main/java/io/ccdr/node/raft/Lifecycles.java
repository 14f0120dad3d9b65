package io.ccdr.node.raft;

import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.util.LifeCycle;

/**
 * Ratis pauses a state machine before installing a snapshot and expects it PAUSED when it calls
 * {@code reinitialize()}; these move a {@link BaseStateMachine}'s life cycle accordingly.
 */
public final class Lifecycles {
    private Lifecycles() {
    }

    public static void pause(BaseStateMachine sm) {
        if (sm.getLifeCycle().getCurrentState() == LifeCycle.State.RUNNING) {
            sm.getLifeCycle().transition(LifeCycle.State.PAUSING);
            sm.getLifeCycle().transition(LifeCycle.State.PAUSED);
        }
    }

    public static void resume(BaseStateMachine sm) {
        if (sm.getLifeCycle().getCurrentState() == LifeCycle.State.PAUSED) {
            sm.getLifeCycle().transition(LifeCycle.State.STARTING);
            sm.getLifeCycle().transition(LifeCycle.State.RUNNING);
        }
    }
}
